"""The phone's login through the API (backend-for-frontend) and the API's tokens."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    decode_token,
)
from joserfc import jwt as jose_jwt
from joserfc.jwk import OctKey, RSAKey

from app.audit import AuditEvent
from app.db import utcnow
from app.extensions import db
from identity.login.models import ExternalIdentity, LoginState, TokenFamily
from identity.login.tokens import revoke_family, revoke_provider_logins
from tests import phone
from tests.demo_ids import AN, CLINIC, HAI, PHUC, SCHOOL, WARD
from tests.identity.oidc import (
    BROWSER_CALLBACK,
    browser,
    next_otp,
    redirect_params,
    sign_in,
)
from tests.pdf_reading import png_qr_codes
from tests.problems import assert_problem


def pkce_pair() -> tuple[str, str]:
    """A fresh PKCE verifier (RFC 7636 §4.1) and its S256 challenge, as the phone makes."""
    verifier = secrets.token_urlsafe(48)
    return verifier, create_s256_code_challenge(verifier)


def start_login(client, verifier=None, **body):
    """Start a login with the phone's own PKCE challenge; keep the verifier."""
    verifier = verifier or pkce_pair()[0]
    response = client.post(
        "/api/v1/auth/vneid/start",
        json={
            "redirect_uri": BROWSER_CALLBACK,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
            **body,
        },
    )
    assert response.status_code == 200, response.get_json()
    return {**response.get_json(), "code_verifier": verifier}


def finish_login(client, params, verifier):
    """Hand code, state and the phone's verifier to the API."""
    return client.post(
        "/api/v1/auth/vneid",
        json={
            "code": params["code"],
            "state": params["state"],
            "code_verifier": verifier,
        },
    )


def phone_login(
    app, client, national_id=AN, otp_secret=None, browser_client=None, **start
):
    """The whole sequence the phone runs; return the API's token pair."""
    started = start_login(client, **start)
    otp = next_otp(national_id, otp_secret) if otp_secret else None
    final = sign_in(
        browser_client or browser(app),
        started["authorization_url"],
        national_id,
        otp=otp,
    )
    params = redirect_params(final)
    assert params["state"] == started["state"]
    response = finish_login(client, params, started["code_verifier"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def presented(token: str) -> dict[str, str]:
    """The API's token as the phone presents it (the test client adds the proof)."""
    return {"Authorization": f"DPoP {token}"}


def test_start_returns_an_authorization_url_with_pkce_and_nonce(client):
    started = start_login(client, acr_values="urn:vneid:loa:2", max_age=300)
    url = urlsplit(started["authorization_url"])
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/vneid/authorize"
    assert params["client_id"] == "congdan-app"
    assert params["state"] == started["state"]
    assert params["code_challenge_method"] == "S256"
    assert params["nonce"]
    assert params["code_challenge"]
    assert params["acr_values"] == "urn:vneid:loa:2"
    assert params["max_age"] == "300"
    assert params["code_challenge"] == create_s256_code_challenge(
        started["code_verifier"]
    )
    assert started["code_verifier"] not in started["authorization_url"]
    stored = db.session.get(LoginState, started["state"])
    assert stored.code_challenge == params["code_challenge"]


def test_start_refuses_an_unregistered_redirect_uri(client):
    response = client.post(
        "/api/v1/auth/vneid/start",
        json={
            "redirect_uri": "https://evil.example/cb",
            "code_challenge": pkce_pair()[1],
        },
    )
    body = assert_problem(response, 422, "validation-failed")
    assert list(body["errors"]) == ["redirect_uri"]


def test_phone_login_returns_api_tokens_and_me(app, client, citizen):
    pair = phone_login(app, client)
    assert pair["token_type"] == "DPoP"
    assert pair["expires_in"] == 15 * 60
    assert pair["refresh_expires_in"] == 30 * 24 * 3600

    me = client.get("/api/v1/me", headers=presented(pair["access_token"]))
    assert me.status_code == 200
    body = me.get_json()
    assert body["profile"]["national_id"] == AN
    assert [child["full_name"] for child in body["children"]] == ["Nguyễn Thị Bình"]
    assert body["memberships"] == []
    assert body["acting"] == {"org_id": None, "role": None}
    assert body["acr"] == "urn:vneid:loa:2"
    link = db.session.scalar(sa.select(ExternalIdentity))
    assert link.citizen_id == citizen(AN).id


def test_state_is_single_use(app, client):
    started = start_login(client)
    params = redirect_params(sign_in(browser(app), started["authorization_url"], PHUC))
    verifier = started["code_verifier"]
    assert finish_login(client, params, verifier).status_code == 200
    again = finish_login(client, params, verifier)
    assert_problem(again, 400, "login-state-invalid")


def test_expired_state_is_refused(app, client):
    started = start_login(client)
    params = redirect_params(sign_in(browser(app), started["authorization_url"], PHUC))
    db.session.execute(
        sa.update(LoginState).values(created_at=utcnow() - timedelta(minutes=11))
    )
    db.session.commit()
    response = finish_login(client, params, started["code_verifier"])
    assert_problem(response, 400, "login-state-invalid")


def test_code_not_accepted_by_the_provider_is_login_failed(client):
    started = start_login(client)
    response = finish_login(
        client, {"code": "forged", "state": started["state"]}, started["code_verifier"]
    )
    assert_problem(response, 400, "login-failed")


def test_refresh_rotates_and_reuse_revokes_the_family(app, client):
    pair = phone_login(app, client, PHUC)
    rotated = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert rotated.status_code == 200
    new_pair = rotated.get_json()
    assert new_pair["refresh_token"] != pair["refresh_token"]
    assert (
        client.get(
            "/api/v1/me", headers=presented(new_pair["access_token"])
        ).status_code
        == 200
    )

    reuse = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert_problem(reuse, 401, "refresh-token-reused")
    for token in (pair["access_token"], new_pair["access_token"]):
        assert_problem(
            client.get("/api/v1/me", headers=presented(token)), 401, "invalid-token"
        )
    after = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": new_pair["refresh_token"]}
    )
    assert_problem(after, 401, "invalid-token")


def audit_events(action):
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def test_a_login_is_recorded_against_the_citizen_with_its_assurance(
    app, client, citizen
):
    phone_login(app, client, PHUC)
    [login] = audit_events("api.login")
    assert (login.outcome, login.actor_id) == ("success", citizen(PHUC).id)
    assert login.details == {"acr": "urn:vneid:loa:1"}


def test_a_reused_refresh_token_is_recorded_against_its_owner(app, client, citizen):
    """The revocation says why, and the audit trail names whose login was replayed."""
    pair = phone_login(app, client, PHUC)
    client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})

    family = db.session.scalar(sa.select(TokenFamily))
    assert family.revoked_reason == "refresh token reused"
    [reuse] = audit_events("api.refresh")
    assert (reuse.outcome, reuse.actor_id) == ("failure", citizen(PHUC).id)
    assert reuse.details == {"reason": "reuse"}
    [revoked] = audit_events("api.tokens.revoked")
    assert revoked.details == {
        "family": str(family.id),
        "reason": "refresh token reused",
    }


def test_an_acting_token_keeps_the_logins_assurance_and_is_audited(
    app, client, organisation, citizen
):
    """acr and auth_time carry over (step-up checks read them from the acting
    token), and the audit trail says who acted for which organisation as what."""
    pair = phone_login(app, client, PHUC)
    login = decode_token(pair["access_token"])
    ward = organisation(WARD)
    acting = client.post(
        "/api/v1/auth/act-as",
        json={"org_id": str(ward.id)},
        headers=presented(pair["access_token"]),
    ).get_json()
    claims = decode_token(acting["access_token"])
    assert (claims["acr"], claims["auth_time"]) == (login["acr"], login["auth_time"])
    assert claims["auth_time"] is not None
    assert (claims["org"], claims["role"]) == (str(ward.id), "officer")

    [event] = audit_events("api.act_as")
    assert (event.outcome, event.actor_id) == ("success", citizen(PHUC).id)
    assert event.details == {"org": str(ward.id), "role": "officer"}


def test_an_acting_token_of_a_login_without_auth_time_says_none(
    app, client, citizen, organisation
):
    """A token that names no auth_time (issued before the API stamped one) still
    acts for an organisation; the acting token then claims no login time."""
    phuc = citizen(PHUC)
    key = phone.new_key()
    family = TokenFamily(
        citizen_id=phuc.id,
        acr="urn:vneid:loa:1",
        auth_time=utcnow(),
        dpop_jkt=key.thumbprint(),
    )
    db.session.add(family)
    db.session.commit()
    token = create_access_token(
        identity=str(phuc.id),
        additional_claims={
            "fam": str(family.id),
            "acr": "urn:vneid:loa:1",
            "cnf": {"jkt": family.dpop_jkt},
        },
    )
    acting = client.post(
        "/api/v1/auth/act-as",
        json={"org_id": str(organisation(WARD).id)},
        headers=presented(token),
    )
    assert acting.status_code == 200, acting.get_json()
    assert decode_token(acting.get_json()["access_token"])["auth_time"] is None


def test_a_family_revoked_once_keeps_the_first_reason(app, client):
    """Logging out after a replay does not rewrite why and when it was revoked."""
    pair = phone_login(app, client, PHUC)
    client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    first = db.session.scalar(sa.select(TokenFamily))
    revoked_at = first.revoked_at
    revoke_family(first.id, "logout")
    db.session.expire_all()
    again = db.session.scalar(sa.select(TokenFamily))
    assert (again.revoked_reason, again.revoked_at) == (
        "refresh token reused",
        revoked_at,
    )


def test_revoking_provider_logins_without_a_session_or_citizen_revokes_nothing(
    app, client
):
    phone_login(app, client, PHUC)
    assert revoke_provider_logins("back-channel logout") == 0
    assert db.session.scalar(sa.select(TokenFamily.revoked_at)) is None


def test_a_refresh_token_of_ours_without_a_family_is_refused(app, client, citizen):
    """Every token the API issues names its family; one that does not is not ours
    (and must not reach the family lookup)."""
    stray = create_refresh_token(identity=str(citizen(PHUC).id))
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": stray})
    assert_problem(response, 401, "invalid-token")


def test_access_token_is_not_a_refresh_token(app, client):
    pair = phone_login(app, client, PHUC)
    response = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["access_token"]}
    )
    assert_problem(response, 401, "invalid-token")


def test_logout_revokes_every_token_of_the_login(app, client):
    pair = phone_login(app, client, PHUC)
    response = client.post(
        "/api/v1/auth/logout", headers=presented(pair["access_token"])
    )
    assert response.status_code == 204
    assert_problem(
        client.get("/api/v1/me", headers=presented(pair["access_token"])),
        401,
        "invalid-token",
    )
    refresh = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert_problem(refresh, 401, "invalid-token")
    revoked = db.session.scalar(sa.select(TokenFamily.revoked_reason))
    assert revoked == "logout"


def test_act_as_gives_a_token_for_an_organisation_where_i_hold_a_role(
    app, client, organisation
):
    pair = phone_login(app, client, PHUC)
    ward = organisation(WARD)
    response = client.post(
        "/api/v1/auth/act-as",
        json={"org_id": str(ward.id)},
        headers=presented(pair["access_token"]),
    )
    assert response.status_code == 200
    acting = response.get_json()
    assert "refresh_token" not in acting
    me = client.get("/api/v1/me", headers=presented(acting["access_token"])).get_json()
    assert me["acting"] == {"org_id": str(ward.id), "role": "officer"}

    client.post("/api/v1/auth/logout", headers=presented(pair["access_token"]))
    assert (
        client.get("/api/v1/me", headers=presented(acting["access_token"])).status_code
        == 401
    )


@pytest.mark.parametrize(("who", "code"), [(HAI, CLINIC), (PHUC, SCHOOL)])
def test_act_as_without_membership_is_403(
    app, client, organisation, citizen, auth_headers, who, code
):
    response = client.post(
        "/api/v1/auth/act-as",
        json={"org_id": str(organisation(code).id)},
        headers=auth_headers(citizen(who)),
    )
    assert_problem(response, 403, "membership-required")


def test_act_as_needs_a_token(client, organisation):
    response = client.post(
        "/api/v1/auth/act-as", json={"org_id": str(organisation(CLINIC).id)}
    )
    assert_problem(response, 401, "unauthorized")


def _unsigned(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_tokens_not_signed_by_the_api_are_refused(app, client, citizen, auth_headers):
    headers = auth_headers(citizen(AN))
    genuine = headers["Authorization"].split()[1]
    claims = jose_jwt.decode(
        genuine, OctKey.import_key(app.config["SECRET_KEY"])
    ).claims

    forged_none = _unsigned(claims)
    other_key = OctKey.generate_key(256)
    forged_hmac = jose_jwt.encode({"alg": "HS256"}, claims, other_key)
    rsa = RSAKey.generate_key(2048)
    forged_rsa = jose_jwt.encode({"alg": "RS256", "kid": "not-in-jwks"}, claims, rsa)
    for token in (forged_none, forged_hmac, forged_rsa):
        response = client.get("/api/v1/me", headers=presented(token))
        assert_problem(response, 401, "invalid-token")


def test_expired_access_token_is_refused(app, client, citizen):
    family = TokenFamily(
        citizen_id=citizen(AN).id, acr="urn:vneid:loa:2", auth_time=utcnow()
    )
    db.session.add(family)
    db.session.commit()
    token = create_access_token(
        identity=str(citizen(AN).id),
        additional_claims={"fam": str(family.id)},
        expires_delta=timedelta(seconds=-1),
    )
    assert_problem(
        client.get("/api/v1/me", headers=presented(token)), 401, "invalid-token"
    )


def test_totp_enrolment_confirmation_and_login(app, client, citizen, auth_headers):
    import pyotp

    headers = auth_headers(citizen(PHUC))
    started = client.post("/api/v1/auth/totp/enrolment", headers=headers)
    assert started.status_code == 201
    body = started.get_json()
    assert body["otpauth_uri"].startswith("otpauth://totp/VNeID:")
    assert body["qr_svg"].startswith("<svg")
    # Apps that draw bitmaps get the same code as a PNG (issue 16).
    assert png_qr_codes(body["qr_png"]) == [body["otpauth_uri"]]
    assert len(base64.b32decode(body["secret"])) * 8 == 160

    wrong = client.post(
        "/api/v1/auth/totp/enrolment/confirm", json={"code": "000000"}, headers=headers
    )
    assert_problem(wrong, 422, "totp-code-rejected")
    code = pyotp.TOTP(body["secret"]).now()
    confirmed = client.post(
        "/api/v1/auth/totp/enrolment/confirm", json={"code": code}, headers=headers
    )
    assert confirmed.status_code == 200
    codes = confirmed.get_json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10

    again = client.post("/api/v1/auth/totp/enrolment", headers=headers)
    assert_problem(again, 409, "totp-already-enrolled")

    # Cúc now logs in with a second factor, so she reaches level 2.
    pair = phone_login(app, client, PHUC, body["secret"], acr_values="urn:vneid:loa:2")
    me = client.get("/api/v1/me", headers=presented(pair["access_token"])).get_json()
    assert me["acr"] == "urn:vneid:loa:2"
