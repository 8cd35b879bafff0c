"""Pushed authorization requests (RFC 9126) and ``private_key_jwt`` (RFC 7523) under
attack: replays, another client's request, stale or misaddressed assertions."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from identity.vneid.clients import InvalidClientMetadataError, register_client
from identity.vneid.models import OAuthClient, PushedRequest, digest
from tests.demo_ids import AN
from tests.identity.fapi import (
    ISSUER,
    REDIRECT_URI,
    TOKEN_URL,
    authorize_url,
    fapi_client,
    new_key,
    push,
)
from tests.identity.oidc import browser, form_step, redirect_params, sign_in


def test_a_push_answers_201_with_a_single_use_request_uri_of_60_seconds(client):
    partner = fapi_client()
    pushed = push(client, partner)
    assert pushed.status_code == 201, pushed.get_data(as_text=True)
    body = pushed.get_json()
    assert body["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert body["expires_in"] == 60
    assert pushed.headers["Cache-Control"] == "no-store"
    stored = db.session.scalar(
        sa.select(PushedRequest).where(
            PushedRequest.uri_digest == digest(body["request_uri"])
        )
    )
    # Kept by digest, without the assertion that authenticated the push.
    assert stored.client_id == partner.client_id
    assert "client_assertion" not in stored.parameters


def test_the_code_comes_from_the_pushed_parameters_not_the_url(app, client):
    partner = fapi_client()
    pushed = push(client, partner, state="pushed-state")
    request_uri = pushed.get_json()["request_uri"]
    # Someone on the way adds their own redirect and state to the browser's URL.
    tampered = (
        authorize_url(partner, request_uri)
        + "&redirect_uri=https://evil.example/cb&state=evil"
    )
    final = sign_in(browser(app), tampered, AN)
    assert final.headers["Location"].startswith(REDIRECT_URI)
    assert redirect_params(final)["state"] == "pushed-state"


def test_a_request_uri_opened_in_a_second_browser_is_refused(app, client):
    partner = fapi_client()
    request_uri = push(client, partner).get_json()["request_uri"]
    url = authorize_url(partner, request_uri)
    first = browser(app)
    assert form_step(first.get(url)) == "password"
    second = browser(app).get(url)
    assert second.status_code == 400
    assert "invalid_request_uri" in second.text
    # The browser that opened it goes on through the login to a code.
    assert "code" in redirect_params(sign_in(first, url, AN))


def test_a_request_uri_is_spent_once_its_code_is_issued(app, client):
    partner = fapi_client()
    request_uri = push(client, partner).get_json()["request_uri"]
    url = authorize_url(partner, request_uri)
    b = browser(app)
    assert "code" in redirect_params(sign_in(b, url, AN))
    again = b.get(url)
    assert again.status_code == 400
    assert "invalid_request_uri" in again.text


def test_a_request_uri_is_refused_for_another_client(app, client):
    partner, other = fapi_client(), fapi_client()
    request_uri = push(client, partner).get_json()["request_uri"]
    refused = browser(app).get(authorize_url(other, request_uri))
    assert refused.status_code == 400
    assert "invalid_request_uri" in refused.text


def test_a_request_uri_unopened_after_60_seconds_is_refused(app, client):
    partner = fapi_client()
    request_uri = push(client, partner).get_json()["request_uri"]
    db.session.execute(
        sa.update(PushedRequest)
        .where(PushedRequest.uri_digest == digest(request_uri))
        .values(created_at=utcnow() - timedelta(seconds=61))
    )
    db.session.commit()
    refused = browser(app).get(authorize_url(partner, request_uri))
    assert refused.status_code == 400
    assert "expired" in refused.text


def test_a_fapi_client_cannot_skip_the_push(app):
    partner = fapi_client()
    plain = (
        f"/vneid/authorize?response_type=code&client_id={partner.client_id}"
        f"&redirect_uri={REDIRECT_URI}&scope=openid&nonce=n&state=s"
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        "&code_challenge_method=S256"
    )
    refused = browser(app).get(plain)
    assert refused.status_code == 400
    assert "pushed_authorization_request_endpoint" in refused.text
    assert "Location" not in refused.headers


def test_a_push_is_checked_like_an_authorization_request(client):
    partner = fapi_client()
    for changes, error in (
        ({"redirect_uri": "https://evil.example/cb"}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"request_uri": "urn:x"}, "invalid_request"),
        ({"nonce": ""}, "invalid_request"),
        ({"claims": "not json"}, "invalid_request"),
        ({"claims": '{"userinfo": {"name": {"essential": "yes"}}}'}, "invalid_request"),
    ):
        answer = push(client, partner, **changes)
        assert answer.status_code == 400, changes
        assert answer.get_json()["error"] == error, changes
        assert "Location" not in answer.headers


def test_a_push_cannot_name_another_client(client):
    partner, other = fapi_client(), fapi_client()
    answer = push(client, partner, client_id=other.client_id)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"


# --- private_key_jwt ---------------------------------------------------------


def _token_request(client, partner, **assertion_changes):
    return client.post(
        "/vneid/token",
        data={
            "grant_type": "authorization_code",
            "code": "whatever",
            "redirect_uri": REDIRECT_URI,
            "code_verifier": "x" * 43,
            **partner.auth(**assertion_changes),
        },
    )


def test_a_replayed_client_assertion_is_refused(client):
    partner = fapi_client()
    fields = partner.auth()
    form = {"grant_type": "refresh_token", "refresh_token": "nothing", **fields}
    first = client.post("/vneid/token", data=form)
    assert first.get_json()["error"] == "invalid_grant"  # authenticated, no such token
    replayed = client.post("/vneid/token", data=form)
    assert replayed.status_code in (400, 401)
    assert replayed.get_json()["error"] == "invalid_client"


def test_client_assertions_that_are_misaddressed_stale_or_foreign_are_refused(client):
    partner = fapi_client()
    now = int(time.time())
    for changes in (
        {"aud": TOKEN_URL},  # the endpoint, not the issuer identifier
        {"aud": [ISSUER, "https://other.example"]},
        {"exp": now - 120},  # expired
        {"exp": now + 3600},  # made to last an hour
        {"iss": "someone-else"},
        {"signing_key": new_key(partner.key.kid)},  # a key it never registered
    ):
        refused = _token_request(client, partner, **changes)
        assert refused.get_json()["error"] == "invalid_client", changes
    # And the right assertion passes client authentication (to the bad code).
    assert _token_request(client, partner).get_json()["error"] == "invalid_grant"


def test_a_key_client_cannot_fall_back_to_a_secret_or_to_nothing(client):
    partner = fapi_client()
    for auth in (
        {"client_id": partner.client_id},
        {"client_id": partner.client_id, "client_secret": "guess"},
    ):
        refused = client.post(
            "/vneid/token",
            data={"grant_type": "refresh_token", "refresh_token": "x", **auth},
        )
        assert refused.get_json()["error"] == "invalid_client", auth


def test_registration_refuses_private_keys_and_weak_id_token_algorithms(app):
    key = new_key()
    for settings in (
        {"jwks": {"keys": [key.as_dict(private=True)]}},
        {"jwks": None},
        {"jwks": {"keys": [key.as_dict(private=False)]}, "alg": "RS256"},
    ):
        with pytest.raises(InvalidClientMetadataError):
            register_client(
                f"bad-{len(str(settings))}",
                [REDIRECT_URI],
                auth_method="private_key_jwt",
                **settings,
            )


def test_create_client_registers_a_fapi_client_from_a_jwks_file(app, tmp_path):
    key = new_key()
    jwks = tmp_path / "partner.jwks.json"
    jwks.write_text(json.dumps({"keys": [key.as_dict(private=False)]}))
    result = app.test_cli_runner().invoke(
        args=[
            "vneid",
            "create-client",
            "--client-id",
            "partner-cli",
            "--redirect-uri",
            REDIRECT_URI,
            "--auth",
            "private_key_jwt",
            "--jwks",
            str(jwks),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "client_secret" not in result.output
    registered = db.session.scalar(
        sa.select(OAuthClient).where(OAuthClient.client_id == "partner-cli")
    )
    assert registered.token_endpoint_auth_method == "private_key_jwt"
    assert registered.require_pushed_authorization_requests
    assert registered.dpop_bound_access_tokens
    assert registered.id_token_signed_response_alg == "ES256"
