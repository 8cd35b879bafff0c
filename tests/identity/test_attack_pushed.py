"""Attacks on pushed requests (RFC 9126) and on input robustness. Fail on 7bea39a."""

from __future__ import annotations

import base64
import json

from tests.demo_ids import AN
from tests.identity.fapi import ASSERTION_TYPE, authorize_url, fapi_client, push
from tests.identity.oidc import (
    BROWSER_CALLBACK,
    authorization_request,
    browser,
    redirect_params,
    relying_party,
    sign_in,
)


def test_a_request_uri_is_spent_once_an_error_was_sent_back(app, client):
    partner = fapi_client()
    url = authorize_url(partner, push(client, partner).get_json()["request_uri"])
    b = browser(app)
    denied = sign_in(b, url, AN, confirm=False)
    assert redirect_params(denied)["error"] == "access_denied"
    # The client was told access_denied for this state; the same request must not
    # now turn into a code for that state.
    again = b.get(url)
    assert again.status_code == 400
    assert "invalid_request_uri" in again.text


def test_the_pushed_ui_locales_is_the_one_used(app, client):
    partner = fapi_client()
    pushed = push(client, partner, ui_locales="en")
    url = authorize_url(partner, pushed.get_json()["request_uri"])
    page = browser(app).get(url, headers={"Accept-Language": "vi"})
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "en"


def test_a_push_with_a_malformed_max_age_is_refused_at_the_push(client):
    answer = push(client, fapi_client(), max_age="abc")  # /authorize refuses it
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"


def test_a_push_with_a_dpop_jkt_that_is_no_thumbprint_is_refused(client):
    # Stored in VARCHAR(64) columns: on PostgreSQL a longer value is a 500.
    answer = push(client, fapi_client(), dpop_jkt="x" * 100)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"


def test_deeply_nested_claims_are_an_invalid_request_not_a_500(
    app, client, monkeypatch
):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    pushed = push(client, fapi_client(), claims="[" * 3000)
    assert pushed.status_code == 400
    rp = relying_party(app)
    plain = browser(app).get(authorization_request(rp, claims="[" * 3000).url)
    assert plain.status_code == 302
    assert plain.headers["Location"].startswith(BROWSER_CALLBACK)


def test_a_deeply_nested_client_assertion_is_invalid_client_not_a_500(
    app, client, monkeypatch
):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    head = base64.urlsafe_b64encode(json.dumps({"alg": "ES256"}).encode()).decode()
    body = base64.urlsafe_b64encode(b"[" * 3000).decode()
    answer = client.post(
        "/vneid/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": "x",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": f"{head.rstrip('=')}.{body.rstrip('=')}.AA",
        },
    )
    assert answer.status_code in (400, 401)
    assert answer.get_json()["error"] == "invalid_client"
