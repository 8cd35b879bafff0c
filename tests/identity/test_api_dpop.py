"""The API's tokens are bound to the phone's key (DPoP, RFC 9449): a token copied
off the phone is refused anywhere else; bearer tokens only for older apps, when
``API_BEARER_TOKENS_ALLOWED`` says so."""

from __future__ import annotations

import time

import pytest
from flask_jwt_extended import decode_token

from tests import phone
from tests.conftest import make_app
from tests.demo_ids import AN, CLINIC, CUC
from tests.identity.oidc import browser, redirect_params, sign_in
from tests.identity.test_api_login import finish_login, phone_login, start_login
from tests.problems import assert_problem

ME = "http://localhost/api/v1/me"
LOGIN = "http://localhost/api/v1/auth/vneid"
REFRESH = "http://localhost/api/v1/auth/refresh"


def _redirect(app, client):
    """A login up to the phone's redirect: its code and state, and the verifier."""
    started = start_login(client)
    final = sign_in(browser(app), started["authorization_url"], AN)
    params = redirect_params(final)
    return {"code": params["code"], "state": params["state"]}, started["code_verifier"]


def test_a_login_binds_every_token_to_the_phones_key(app, client):
    pair = phone_login(app, client)
    assert pair["token_type"] == "DPoP"
    claims = decode_token(pair["access_token"])
    assert claims["cnf"]["jkt"] == client.phone_key.thumbprint()
    assert (
        client.get(
            "/api/v1/me", headers=phone.signed_headers("GET", ME, pair["access_token"])
        ).status_code
        == 200
    )


def test_a_login_without_a_proof_is_refused_and_can_be_retried(app, client):
    params, verifier = _redirect(app, client)
    refused = client.post(
        "/api/v1/auth/vneid",
        json={**params, "code_verifier": verifier},
        headers={"DPoP": phone.proof(client.phone_key, "POST", LOGIN, iat=0)},
    )
    assert_problem(refused, 401, "invalid-dpop-proof")
    without = client.post(
        "/api/v1/auth/vneid",
        json={**params, "code_verifier": verifier},
        headers={"X-Test-Phone": "silent"},  # the test phone adds no proof
    )
    assert_problem(without, 400, "dpop-proof-required")
    assert without.headers["WWW-Authenticate"].startswith("DPoP ")
    # Neither spent the login: with a proof it goes through.
    assert finish_login(client, params, verifier).status_code == 200


def test_a_copied_token_is_refused_without_the_phones_key(app, client):
    access = phone_login(app, client)["access_token"]
    thief = phone.new_key()
    for headers in (
        {"Authorization": f"Bearer {access}"},  # as a bearer token
        {"Authorization": f"DPoP {access}", "DPoP": "not-a-proof"},
        phone.signed_headers("GET", ME, access, thief),  # another device's key
    ):
        refused = client.get("/api/v1/me", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["WWW-Authenticate"].startswith("DPoP ")


def test_proofs_for_another_call_or_replayed_are_refused(app, client):
    access = phone_login(app, client)["access_token"]
    key = client.phone_key
    one = phone.signed_headers("GET", ME, access, key)
    assert client.get("/api/v1/me", headers=one).status_code == 200
    replayed = client.get("/api/v1/me", headers=one)
    assert_problem(replayed, 401, "invalid-dpop-proof")
    for proof in (
        phone.proof(key, "POST", ME, access),  # another method
        phone.proof(key, "GET", "http://localhost/api/v1/consents", access),
        phone.proof(key, "GET", ME, "another-token"),  # ath of another token
        phone.proof(key, "GET", ME, access, iat=int(time.time()) - 600),
    ):
        refused = client.get(
            "/api/v1/me", headers={"Authorization": f"DPoP {access}", "DPoP": proof}
        )
        assert_problem(refused, 401, "invalid-dpop-proof")


def test_a_refresh_needs_the_key_and_a_wrong_key_spends_nothing(app, client):
    pair = phone_login(app, client)
    body = {"refresh_token": pair["refresh_token"]}
    stolen = client.post(
        "/api/v1/auth/refresh",
        json=body,
        headers={"DPoP": phone.proof(phone.new_key(), "POST", REFRESH)},
    )
    assert_problem(stolen, 401, "invalid-token")
    rotated = client.post("/api/v1/auth/refresh", json=body)  # the phone's own proof
    assert rotated.status_code == 200, rotated.get_json()
    assert rotated.get_json()["token_type"] == "DPoP"


def test_an_acting_token_is_bound_to_the_same_key(app, client, organisation):
    pair = phone_login(app, client, national_id=CUC)
    acting = client.post(
        "/api/v1/auth/act-as",
        json={"org_id": str(organisation(CLINIC).id)},
        headers={"Authorization": f"DPoP {pair['access_token']}"},
    )
    assert acting.status_code == 200, acting.get_json()
    token = acting.get_json()["access_token"]
    assert acting.get_json()["token_type"] == "DPoP"
    assert decode_token(token)["cnf"] == decode_token(pair["access_token"])["cnf"]
    thief = phone.signed_headers("GET", ME, token, phone.new_key())
    assert client.get("/api/v1/me", headers=thief).status_code == 401


@pytest.fixture(scope="module")
def older_apps(database_url):
    """The API with bearer tokens allowed, for apps without DPoP."""
    return make_app(database_url, API_BEARER_TOKENS_ALLOWED=True)


def test_older_apps_get_bearer_tokens_only_where_allowed(older_apps):
    client = older_apps.test_client()
    with older_apps.app_context():
        params, verifier = _redirect(older_apps, client)
        pair = client.post(
            "/api/v1/auth/vneid",
            json={**params, "code_verifier": verifier},
            headers={"X-Test-Phone": "silent"},  # no proof from the test phone
        ).get_json()
        assert pair["token_type"] == "Bearer"
        bearer = {"Authorization": f"Bearer {pair['access_token']}"}
        assert client.get("/api/v1/me", headers=bearer).status_code == 200
        challenge = client.get("/api/v1/me").headers["WWW-Authenticate"]
        assert challenge.startswith("DPoP ")
        assert "Bearer" in challenge
