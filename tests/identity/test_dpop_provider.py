"""DPoP (RFC 9449) at the provider under attack: proofs replayed, for another URL or
method, with the wrong ``ath`` or key, and bound tokens used without their key."""

from __future__ import annotations

import time

from joserfc import jwt

from identity.vneid.clients import register_client
from tests.demo_ids import AN
from tests.identity.fapi import (
    PAR_URL,
    TOKEN_URL,
    USERINFO_URL,
    code_for,
    fapi_client,
    new_key,
    proof,
    push,
    redeem,
    userinfo,
)
from tests.identity.oidc import (
    authorization_request,
    browser,
    redirect_params,
    relying_party,
    sign_in,
    unique_client_id,
)


def _bound_tokens(app, client):
    """A FAPI client's DPoP-bound tokens, and the key that holds them."""
    partner = fapi_client()
    key = new_key()
    code, verifier = code_for(app, partner, client)
    issued = redeem(client, partner, code, verifier, key)
    assert issued.status_code == 200, issued.get_data(as_text=True)
    return partner, key, issued.get_json()


def test_a_proof_at_the_token_endpoint_binds_the_token_to_its_key(app, client):
    _, key, tokens = _bound_tokens(app, client)
    assert tokens["token_type"] == "DPoP"
    read = userinfo(client, tokens["access_token"], key)
    assert read.status_code == 200, read.get_data(as_text=True)
    assert read.get_json()["sub"]


def test_a_bound_token_without_a_proof_or_as_a_bearer_token_is_refused(app, client):
    _, _, tokens = _bound_tokens(app, client)
    without_proof = userinfo(client, tokens["access_token"], None)
    assert without_proof.status_code == 401
    as_bearer = client.get(
        "/vneid/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert as_bearer.status_code == 401
    assert as_bearer.headers["WWW-Authenticate"].startswith("DPoP ")


def test_a_bound_token_with_another_keys_proof_is_refused(app, client):
    _, _, tokens = _bound_tokens(app, client)
    thief = userinfo(client, tokens["access_token"], new_key())
    assert thief.status_code == 401
    assert 'error="invalid_token"' in thief.headers["WWW-Authenticate"]


def test_proofs_for_another_url_method_token_or_time_are_refused(app, client):
    _, key, tokens = _bound_tokens(app, client)
    access = tokens["access_token"]
    for changes in (
        {"htu": TOKEN_URL},
        {"htm": "POST"},
        {"ath": "A" * 43},
        {"iat": int(time.time()) - 600},
        {"iat": int(time.time()) + 600},
    ):
        refused = userinfo(client, access, key, **changes)
        assert refused.status_code == 401, changes
        assert 'error="invalid_dpop_proof"' in refused.headers["WWW-Authenticate"]


def test_a_replayed_proof_is_refused(app, client):
    _, key, tokens = _bound_tokens(app, client)
    access = tokens["access_token"]
    one = proof(key, "GET", USERINFO_URL, access_token=access)
    headers = {"Authorization": f"DPoP {access}", "DPoP": one}
    assert client.get("/vneid/userinfo", headers=headers).status_code == 200
    replayed = client.get("/vneid/userinfo", headers=headers)
    assert replayed.status_code == 401
    assert 'error="invalid_dpop_proof"' in replayed.headers["WWW-Authenticate"]


def test_a_proof_without_the_servers_nonce_is_told_to_use_it(app, client):
    _, key, tokens = _bound_tokens(app, client)
    stale = userinfo(client, tokens["access_token"], key, nonce=None)
    assert stale.status_code == 401
    assert 'error="use_dpop_nonce"' in stale.headers["WWW-Authenticate"]
    nonce = stale.headers["DPoP-Nonce"]
    assert userinfo(client, tokens["access_token"], key, nonce=nonce).status_code == 200
    forged = userinfo(client, tokens["access_token"], key, nonce="0.forged")
    assert forged.status_code == 401


def test_malformed_proofs_are_refused_at_the_token_endpoint(app, client):
    partner = fapi_client()
    key = new_key()
    code, verifier = code_for(app, partner, client)
    claims = {"jti": "j1", "htm": "POST", "htu": TOKEN_URL, "iat": int(time.time())}
    leaked_private = jwt.encode(
        {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=True)},
        claims,
        key,
    )
    wrong_type = jwt.encode(
        {"typ": "JWT", "alg": "ES256", "jwk": key.as_dict(private=False)}, claims, key
    )
    for bad in (leaked_private, wrong_type, "not-a-jwt"):
        refused = client.post(
            "/vneid/token",
            data={"grant_type": "authorization_code", "code": code},
            headers={"DPoP": bad},
        )
        assert refused.status_code == 400
        assert refused.get_json()["error"] == "invalid_dpop_proof"
    # None of it spent the code: the real proof still redeems it.
    assert redeem(client, partner, code, verifier, key).status_code == 200


def test_a_dpop_bound_client_must_send_a_proof_and_keeps_its_code_until_it_does(
    app, client
):
    partner = fapi_client()
    code, verifier = code_for(app, partner, client)
    without = redeem(client, partner, code, verifier, None)
    assert without.status_code == 400
    assert without.get_json()["error"] == "invalid_dpop_proof"
    assert redeem(client, partner, code, verifier, new_key()).status_code == 200


def test_a_code_bound_at_the_push_is_redeemed_only_with_that_key(app, client):
    partner = fapi_client()
    bound_key = new_key()
    code, verifier = code_for(app, partner, client, dpop_key=bound_key)
    thief = redeem(client, partner, code, verifier, new_key())
    assert thief.status_code == 400
    assert thief.get_json()["error"] == "invalid_grant"


def test_a_push_with_a_proof_for_another_url_is_refused(client):
    partner = fapi_client()
    key = new_key()
    assert push(client, partner, dpop_key=key).status_code == 201
    refused = client.post(
        "/vneid/par",
        data={"client_id": partner.client_id, **partner.auth()},
        headers={"DPoP": proof(key, "POST", TOKEN_URL)},
    )
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "invalid_dpop_proof"
    elsewhere = client.post(
        "/vneid/par",
        data={"client_id": partner.client_id, **partner.auth()},
        headers={"DPoP": proof(key, "GET", PAR_URL)},
    )
    assert elsewhere.get_json()["error"] == "invalid_dpop_proof"


def test_a_public_clients_refresh_token_is_bound_to_its_key(app, client):
    client_id = unique_client_id()
    register_client(
        client_id,
        ["http://localhost/callback"],
        public=True,
        dpop_bound_access_tokens=True,
    )
    rp = relying_party(app, client_id=client_id, secret=None)
    request = authorization_request(rp)
    code = redirect_params(sign_in(browser(app), request.url, AN))["code"]
    key = new_key()
    issued = client.post(
        "/vneid/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": client_id,
            "redirect_uri": "http://localhost/callback",
            "code_verifier": request.verifier,
        },
        headers={"DPoP": proof(key, "POST", TOKEN_URL)},
    )
    assert issued.status_code == 200, issued.get_data(as_text=True)
    refresh = issued.get_json()["refresh_token"]
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh,
        "client_id": client_id,
    }
    stolen = client.post(
        "/vneid/token", data=form, headers={"DPoP": proof(new_key(), "POST", TOKEN_URL)}
    )
    assert stolen.status_code == 400
    assert stolen.get_json()["error"] == "invalid_grant"
    without = client.post("/vneid/token", data=form)
    assert without.get_json()["error"] == "invalid_dpop_proof"
    owner = client.post(
        "/vneid/token", data=form, headers={"DPoP": proof(key, "POST", TOKEN_URL)}
    )
    assert owner.status_code == 200, owner.get_data(as_text=True)
    assert owner.get_json()["token_type"] == "DPoP"


def test_a_fapi_clients_refresh_token_is_not_rotated(app, client):
    """FAPI 2.0 §5.3.2.1: no rotation for key-authenticated clients; a lost
    answer to a refresh is retried with the same refresh token."""
    partner, key, tokens = _bound_tokens(app, client)

    def refresh():
        return client.post(
            "/vneid/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                **partner.auth(),
            },
            headers={"DPoP": proof(key, "POST", TOKEN_URL)},
        )

    first, second = refresh(), refresh()
    assert first.status_code == second.status_code == 200, second.get_data(as_text=True)
    assert "refresh_token" not in first.get_json()
    assert first.get_json()["token_type"] == "DPoP"
    assert userinfo(client, second.get_json()["access_token"], key).status_code == 200
