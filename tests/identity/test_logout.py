"""Logging out ends the login everywhere (issue 11, finding 8).

RP-initiated logout at the provider revokes every token of that provider session,
and the provider tells the API by back-channel logout (OpenID Connect Back-Channel
Logout 1.0), so the API's own tokens of that login die too. The API's own logout
ends the provider session in turn.
"""

from __future__ import annotations

import json
import time
import uuid

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey

from app.audit import AuditEvent
from app.extensions import db
from identity.login.models import TokenFamily
from identity.vneid import keys
from identity.vneid.claims import pairwise_subject
from identity.vneid.models import LoginSession, ProviderToken
from tests import phone as phone_keys
from tests.conftest import TEST_CLIENT_SECRET
from tests.demo_ids import AN, PHUC
from tests.identity.oidc import (
    BROWSER_CALLBACK,
    authorization_request,
    browser,
    redirect_params,
    relying_party,
    sign_in,
    submit,
)
from tests.identity.test_api_login import phone_login, pkce_pair, presented
from tests.phone import new_key
from tests.problems import assert_problem

ISSUER = "http://localhost/vneid"
EVENT = "http://schemas.openid.net/event/backchannel-logout"
BACKCHANNEL = "/api/v1/auth/vneid/backchannel-logout"
APP_AUTH = ("congdan-app", TEST_CLIENT_SECRET)


def _rp_login(app, b, national_id=PHUC):
    """A relying party's code flow in browser ``b``; return its token response."""
    rp = relying_party(app)
    request = authorization_request(rp)
    code = redirect_params(sign_in(b, request.url, national_id))["code"]
    token = rp.fetch_token(
        "http://localhost/vneid/token", code=code, code_verifier=request.verifier
    )
    return token, rp


def _provider_refresh(rp, refresh_token):
    return rp.post(
        "http://localhost/vneid/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=APP_AUTH,
    )


def _family_of(access_token: str) -> TokenFamily:
    claims = jose_jwt.decode(
        access_token, keys_for_api_secret(), algorithms=["HS256"]
    ).claims
    family = db.session.get(TokenFamily, uuid.UUID(claims["fam"]))
    assert family is not None
    return family


def keys_for_api_secret():
    from joserfc.jwk import OctKey

    from tests.conftest import TEST_SECRET

    return OctKey.import_key(TEST_SECRET)


def _api_login_is_dead(client, pair) -> None:
    assert_problem(
        client.get("/api/v1/citizens/me", headers=presented(pair["access_token"])),
        401,
        "invalid-token",
    )
    refresh = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert_problem(refresh, 401, "invalid-token")


def _api_login_is_alive(client, pair) -> None:
    me = client.get("/api/v1/citizens/me", headers=presented(pair["access_token"]))
    assert me.status_code == 200, me.get_json()


# --- the provider ------------------------------------------------------------


def test_discovery_advertises_back_channel_logout(client):
    doc = client.get("/vneid/.well-known/openid-configuration").get_json()
    assert doc["end_session_endpoint"] == f"{ISSUER}/logout"
    assert doc["backchannel_logout_supported"] is True
    assert doc["backchannel_logout_session_supported"] is True


def test_rp_initiated_logout_revokes_every_token_of_the_session(app, client):
    b = browser(app)
    token, rp = _rp_login(app, b)
    rotated = _provider_refresh(rp, token["refresh_token"]).json()
    response = b.get(
        "/vneid/logout",
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": BROWSER_CALLBACK,
            "state": "bye",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BROWSER_CALLBACK}?state=bye"

    for access in (token["access_token"], rotated["access_token"]):
        userinfo = client.get(
            "/vneid/userinfo", headers={"Authorization": f"Bearer {access}"}
        )
        assert userinfo.status_code == 401
        introspected = rp.post(
            "http://localhost/vneid/introspect", data={"token": access}, auth=APP_AUTH
        ).json()
        assert introspected == {"active": False}
    refreshed = _provider_refresh(rp, rotated["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    introspected = rp.post(
        "http://localhost/vneid/introspect",
        data={"token": rotated["refresh_token"], "token_type_hint": "refresh_token"},
        auth=APP_AUTH,
    ).json()
    assert introspected == {"active": False}


def test_logout_with_a_forged_id_token_hint_ends_nothing(app, client):
    b = browser(app)
    token, _ = _rp_login(app, b)
    claims = jose_jwt.decode(
        token["id_token"], keys.active_signing_key("RS256"), algorithms=["RS256"]
    ).claims
    forged = jose_jwt.encode(
        {"alg": "RS256", "kid": keys.active_signing_key("RS256").kid},
        claims,
        RSAKey.generate_key(2048),
    )
    response = browser(app).get(
        "/vneid/logout",
        params={"id_token_hint": forged, "post_logout_redirect_uri": BROWSER_CALLBACK},
    )
    assert response.status_code == 400
    userinfo = client.get(
        "/vneid/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert userinfo.status_code == 200


# --- back-channel logout to the API -------------------------------------------


def test_provider_logout_logs_the_api_out_of_that_login_only(app, client):
    phone = browser(app)
    pair = phone_login(app, client, PHUC, browser_client=phone)
    tablet = phone_login(app, client, PHUC, browser_client=browser(app))
    # Another relying party in the phone's browser session: single sign-on.
    token, _ = _rp_login(app, phone)
    family = _family_of(pair["access_token"])
    assert (
        family.provider_sid
        == jose_jwt.decode(
            token["id_token"], keys.active_signing_key("RS256"), algorithms=["RS256"]
        ).claims["sid"]
    )
    assert _family_of(tablet["access_token"]).provider_sid != family.provider_sid

    response = phone.get("/vneid/logout", params={"id_token_hint": token["id_token"]})
    assert response.status_code == 200

    _api_login_is_dead(client, pair)
    _api_login_is_alive(client, tablet)
    db.session.expire_all()
    assert _family_of(pair["access_token"]).revoked_reason == "backchannel logout"


def test_browser_logout_without_a_hint_asks_then_logs_the_api_out(app, client):
    phone = browser(app)
    pair = phone_login(app, client, AN, browser_client=phone)
    confirm = phone.get("/vneid/logout")
    assert confirm.status_code == 200
    _api_login_is_alive(client, pair)
    done = submit(phone, "/vneid/logout", confirm)
    assert done.status_code == 200
    _api_login_is_dead(client, pair)


def test_api_logout_ends_the_provider_session_and_its_grants(app, client):
    phone = browser(app)
    pair = phone_login(app, client, PHUC, browser_client=phone)
    sid = uuid.UUID(_family_of(pair["access_token"]).provider_sid)
    response = client.post(
        "/api/v1/auth/logout", headers=presented(pair["access_token"])
    )
    assert response.status_code == 204
    _api_login_is_dead(client, pair)
    db.session.expire_all()
    assert db.session.get(LoginSession, sid).ended_at is not None
    grants = db.session.scalars(
        sa.select(ProviderToken).where(ProviderToken.session_id == sid)
    ).all()
    assert grants
    assert all(grant.revoked_at is not None for grant in grants)
    # The browser is signed out at the provider: no silent login any more.
    request = authorization_request(relying_party(app), prompt="none")
    assert redirect_params(phone.get(request.url))["error"] == "login_required"


# --- the API's back-channel endpoint refuses what it must -------------------------


def _logout_token(claims_override=None, *, header=None, key=None, drop=()):
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "congdan-app",
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
        "events": {EVENT: {}},
    }
    claims.update(claims_override or {})
    for name in drop:
        claims.pop(name, None)
    signing = key or keys.active_signing_key("RS256")
    head = {"alg": "RS256", "kid": signing.kid, "typ": "logout+jwt", **(header or {})}
    return jose_jwt.encode(head, claims, signing)


def _post_logout_token(client, token):
    return client.post(BACKCHANNEL, data={"logout_token": token})


def _refused(response) -> None:
    assert response.status_code == 400
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json()["error"] == "invalid_request"


def test_a_valid_logout_token_revokes_the_login_of_that_sid(app, client):
    pair = phone_login(app, client, PHUC)
    sid = _family_of(pair["access_token"]).provider_sid
    response = _post_logout_token(client, _logout_token({"sid": sid}))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    _api_login_is_dead(client, pair)


def test_a_logout_token_with_only_sub_revokes_every_login_of_that_subject(
    app, client, citizen
):
    first = phone_login(app, client, PHUC)
    second = phone_login(app, client, PHUC)
    other = phone_login(app, client, AN)
    sub = pairwise_subject("congdan-app", citizen(PHUC))
    assert _post_logout_token(client, _logout_token({"sub": sub})).status_code == 200
    _api_login_is_dead(client, first)
    _api_login_is_dead(client, second)
    _api_login_is_alive(client, other)


def test_forged_replayed_and_malformed_logout_tokens_are_refused(app, client):
    pair = phone_login(app, client, PHUC)
    sid = _family_of(pair["access_token"]).provider_sid
    other_key = RSAKey.generate_key(2048, parameters={"kid": "attacker"})
    now = int(time.time())
    refused = {
        "signed by another key": _logout_token({"sid": sid}, key=other_key),
        "with a nonce": _logout_token({"sid": sid, "nonce": "n"}),
        "without events": _logout_token({"sid": sid}, drop=("events",)),
        "with another event": _logout_token(
            {"sid": sid, "events": {"urn:example:other": {}}}
        ),
        "for another audience": _logout_token({"sid": sid, "aud": "clinic-his"}),
        "from another issuer": _logout_token(
            {"sid": sid, "iss": "https://evil.example/vneid"}
        ),
        "expired": _logout_token({"sid": sid, "iat": now - 600, "exp": now - 300}),
        "without sid or sub": _logout_token(),
        "without jti": _logout_token({"sid": sid}, drop=("jti",)),
        "typed as an ID token": _logout_token({"sid": sid}, header={"typ": "JWT"}),
        "not a JWT": "not-a-jwt",
    }
    for reason, token in refused.items():
        response = _post_logout_token(client, token)
        assert response.status_code == 400, reason
        _refused(response)
    _refused(client.post(BACKCHANNEL, data={}))
    # Whatever is wrong with the request itself is the spec's 400 as well (§2.8),
    # never a problem: an empty or over-long token, a field it does not define, JSON.
    for body in (
        {"logout_token": ""},
        {"logout_token": "x" * 9000},
        {"logout_token": "a.b.c", "extra": "1"},
    ):
        response = client.post(BACKCHANNEL, data=body)
        assert response.status_code == 400, body
        _refused(response)
    as_json = client.post(BACKCHANNEL, json={"logout_token": "a.b.c"})
    assert as_json.status_code == 400
    _refused(as_json)
    # Only that path speaks OAuth: its neighbours are the API's, with problems.
    for neighbour in (f"{BACKCHANNEL}X", f"{BACKCHANNEL}/x"):
        assert_problem(client.post(neighbour, data={}), 404, "not-found")
    _api_login_is_alive(client, pair)

    once = _logout_token({"sid": sid})
    assert _post_logout_token(client, once).status_code == 200
    _refused(_post_logout_token(client, once))


# --- on a real server, with real transactions ---------------------------------------


@pytest.mark.slow  # starts gunicorn
@pytest.mark.real_sessions
def test_logout_round_trip_on_a_live_server(live_server):
    """API logout -> provider logout -> back-channel logout -> API, all committing.

    Each hop runs in its own transaction on a real database (SQLite's write lock
    included): none may wait on a lock another hop holds.
    """
    base = live_server.url
    with (
        httpx.Client(base_url=base, timeout=30) as api,
        httpx.Client(base_url=base, timeout=30) as phone,
    ):
        verifier, challenge = pkce_pair()
        started = api.post(
            "/api/v1/auth/vneid/start",
            json={"redirect_uri": f"{base}/callback", "code_challenge": challenge},
        ).json()
        params = redirect_params(sign_in(phone, started["authorization_url"], PHUC))
        key = phone_keys.new_key()
        pair = api.post(
            "/api/v1/auth/vneid",
            json={
                **{k: params[k] for k in ("code", "state")},
                "code_verifier": verifier,
            },
            auth=phone_keys.LoginProof(key),
        ).json()
        headers = phone_keys.PhoneAuth(pair["access_token"])
        assert api.get("/api/v1/citizens/me", auth=headers).status_code == 200

        assert api.post("/api/v1/auth/logout", auth=headers).status_code == 204
        assert api.get("/api/v1/citizens/me", auth=headers).status_code == 401
        refused = api.post(
            "/api/v1/auth/refresh",
            json={"refresh_token": pair["refresh_token"]},
            auth=phone_keys.LoginProof(key),
        )
        assert refused.status_code == 401
    with live_server.app.app_context():
        outcomes = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.outcome).where(
                AuditEvent.action.in_(
                    ["vneid.backchannel_logout", "api.backchannel_logout"]
                )
            )
        ).all()
        db.session.remove()
    assert sorted(outcomes) == [
        ("api.backchannel_logout", "success"),
        ("vneid.backchannel_logout", "success"),
    ]


def test_create_client_registers_a_back_channel_logout_uri(app, tmp_path):
    from identity.vneid.models import OAuthClient

    jwks = tmp_path / "his.jwks.json"
    jwks.write_text(json.dumps({"keys": [new_key().as_dict(private=False)]}))
    args = ["vneid", "create-client", "--client-id", "clinic-bcl",
            "--redirect-uri", "https://his.clinic.example/cb", "--jwks", str(jwks)]  # fmt: skip
    result = app.test_cli_runner().invoke(
        args=[*args, "--backchannel-logout-uri", "https://his.clinic.example/bcl"]
    )
    assert result.exit_code == 0, result.output
    stored = db.session.scalar(
        sa.select(OAuthClient).where(OAuthClient.client_id == "clinic-bcl")
    )
    assert stored.backchannel_logout_uri == "https://his.clinic.example/bcl"
    assert stored.backchannel_logout_session_required is True

    unsafe = app.test_cli_runner().invoke(
        args=[
            "vneid", "create-client", "--client-id", "clinic-bcl-2",
            "--redirect-uri", "https://his.clinic.example/cb", "--jwks", str(jwks),
            "--backchannel-logout-uri", "http://his.clinic.example/bcl#x",
        ]
    )  # fmt: skip
    assert unsafe.exit_code != 0
    assert "backchannel_logout_uri" in unsafe.output
