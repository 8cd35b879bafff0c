"""Holes in the API's DPoP binding found by the review of dafebdf (each failed then)."""

from __future__ import annotations

import pytest

from tests import phone
from tests.identity.test_api_login import phone_login
from tests.problems import assert_problem

SHARE_CODES = "http://localhost/api/v1/share-codes"
ME = "http://localhost/api/v1/me"
REFRESH = "http://localhost/api/v1/auth/refresh"


def test_a_proof_of_a_refused_request_cannot_be_replayed(app, client):
    """The proof's replay mark is written in the request's transaction, so any
    refusal (422, 403, 404, a step-up 401...) rolls it back. Whoever captured the
    token and that proof can send the same method and URL again within the
    proof's minute, with a body of their own: here a share code of the
    citizen's health book."""
    access = phone_login(app, client)["access_token"]
    captured = phone.signed_headers("POST", SHARE_CODES, access, client.phone_key)
    first = client.post(
        "/api/v1/share-codes", json={"categories": ["typo"]}, headers=captured
    )
    assert first.status_code == 422
    replayed = client.post(
        "/api/v1/share-codes",
        json={"categories": ["allergies", "conditions"], "access_hours": 720},
        headers=captured,
    )
    assert_problem(replayed, 401, "invalid-dpop-proof")


@pytest.mark.parametrize("htu", ["http://[", "http://[::1/api/v1/me"])
def test_a_proof_with_an_unparsable_htu_is_refused_not_a_500(app, client, htu):
    """urlsplit raises ValueError on a bad IPv6 host; _check_claims is outside
    verify's try, so the error escapes as a 500, on every API route and, with a
    key of one's own and no token at all, on the refresh and login calls."""
    access = phone_login(app, client)["access_token"]
    key = client.phone_key
    me = client.get(
        "/api/v1/me",
        headers={
            "Authorization": f"DPoP {access}",
            "DPoP": phone.proof(key, "GET", ME, access, htu=htu),
        },
    )
    assert_problem(me, 401, "invalid-dpop-proof")
    anyone = client.post(
        "/api/v1/auth/refresh",
        json={"refresh_token": "x"},
        headers={"DPoP": phone.proof(phone.new_key(), "POST", REFRESH, htu=htu)},
    )
    assert_problem(anyone, 401, "invalid-dpop-proof")
