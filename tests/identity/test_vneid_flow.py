"""The mock VNeID provider, driven through its HTML pages by Authlib's own client."""

from __future__ import annotations

import html
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt as pyjwt
import pytest
import sqlalchemy as sa
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core.util import create_half_hash
from joserfc.jwk import KeySet

from app.audit import AuditEvent
from app.db import utcnow
from app.extensions import db
from identity.models import Citizen
from identity.vneid import grants
from identity.vneid.clients import register_client
from identity.vneid.models import (
    AuthorizationCode,
    LoginSession,
    OAuthClient,
    ProviderToken,
    digest,
)
from tests.demo_ids import AN, HAI, PHUC
from tests.identity.oidc import (
    BROWSER_CALLBACK,
    authorization_request,
    browser,
    form_step,
    redirect_params,
    relying_party,
    sign_in,
    unique_client_id,
)

ISSUER = "http://localhost/vneid"


def verify_with_pyjwt(id_token: str, audience: str, jwks: dict) -> dict:
    """Check an ID token with PyJWT, a JOSE library independent of the signer's."""
    header = pyjwt.get_unverified_header(id_token)
    key = pyjwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    return pyjwt.decode(
        id_token,
        key=key,
        algorithms=["RS256", "ES256"],
        audience=audience,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "sub", "aud", "iss", "nonce", "auth_time"]},
    )


def complete_flow(app, national_id=AN, rp=None, **params):
    """Authorization code flow end to end; return the token response and request."""
    rp = rp or relying_party(app)
    request = authorization_request(rp, **params)
    final = sign_in(browser(app), request.url, national_id)
    code = redirect_params(final)["code"]
    token = rp.fetch_token(
        "http://localhost/vneid/token", code=code, code_verifier=request.verifier
    )
    return token, request, rp


def test_discovery_advertises_only_what_is_enforced(client):
    doc = client.get("/vneid/.well-known/openid-configuration").get_json()
    assert doc["issuer"] == ISSUER
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["subject_types_supported"] == ["pairwise"]
    assert set(doc["id_token_signing_alg_values_supported"]) == {"RS256", "ES256"}
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert doc["request_uri_parameter_supported"] is False
    assert "implicit" not in doc["grant_types_supported"]
    assert doc["jwks_uri"] == f"{ISSUER}/jwks"


def test_jwks_publishes_public_keys_with_thumbprint_kids(client):
    published = client.get("/vneid/jwks").get_json()
    assert {key["alg"] for key in published["keys"]} == {"RS256", "ES256"}
    for jwk in published["keys"]:
        assert "d" not in jwk
        imported = KeySet.import_key_set({"keys": [jwk]}).keys[0]
        assert jwk["kid"] == imported.thumbprint()


def test_full_code_flow_with_totp_and_consent(app, client, citizen):
    started = int(time.time())
    token, request, _ = complete_flow(app)
    jwks = client.get("/vneid/jwks").get_json()
    claims = verify_with_pyjwt(token["id_token"], "congdan-app", jwks)

    an = citizen(AN)
    assert claims["nonce"] == request.nonce
    assert claims["acr"] == "urn:vneid:loa:2"
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert started - 1 <= claims["auth_time"] <= int(time.time()) + 1
    assert claims["sub"] not in (AN, str(an.id))
    assert claims["sid"]
    assert "national_id" not in claims  # claims are released by userinfo only
    assert token["token_type"].lower() == "bearer"
    assert token["refresh_token"]

    info = client.get(
        "/vneid/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    ).get_json()
    assert info == {
        "sub": claims["sub"],
        "name": "Nguyễn Văn An",
        "birthdate": "1995-03-14",
        "gender": "male",
        "national_id": AN,
    }
    # OpenID Connect Core §5.3.1: userinfo answers POST as well as GET.
    posted = client.post(
        "/vneid/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert posted.status_code == 200
    assert posted.get_json() == info


def test_authorization_response_carries_state_and_iss(app):
    rp = relying_party(app)
    request = authorization_request(rp)
    params = redirect_params(sign_in(browser(app), request.url))
    assert params["state"] == request.state
    assert params["iss"] == ISSUER


def test_userinfo_leaves_out_a_declined_claim(app, client):
    rp = relying_party(app)
    request = authorization_request(rp)
    final = sign_in(browser(app), request.url, exclude=("national_id",))
    token = rp.fetch_token(
        "http://localhost/vneid/token",
        code=redirect_params(final)["code"],
        code_verifier=request.verifier,
    )
    info = client.get(
        "/vneid/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    ).get_json()
    assert "national_id" not in info
    assert info["name"] == "Nguyễn Văn An"


def test_subject_is_pairwise_per_client_and_es256_on_request(app, client):
    client_id = unique_client_id()
    _, secret = register_client(
        client_id, ["https://partner.example/cb"], alg="ES256", scope="openid profile"
    )
    db.session.commit()
    partner = relying_party(
        app, client_id, secret, "https://partner.example/cb", scope="openid profile"
    )
    partner_token, _, _ = complete_flow(app, rp=partner)
    app_token, _, _ = complete_flow(app)
    jwks = client.get("/vneid/jwks").get_json()
    partner_claims = verify_with_pyjwt(partner_token["id_token"], client_id, jwks)
    app_claims = verify_with_pyjwt(app_token["id_token"], "congdan-app", jwks)
    assert pyjwt.get_unverified_header(partner_token["id_token"])["alg"] == "ES256"
    assert partner_claims["sub"] != app_claims["sub"]


def test_login_without_second_factor_is_level_one(app, client):
    token, _, _ = complete_flow(app, national_id=PHUC)
    claims = pyjwt.decode(token["id_token"], options={"verify_signature": False})
    assert claims["acr"] == "urn:vneid:loa:1"
    assert claims["amr"] == ["pwd"]


def test_level_one_account_cannot_obtain_level_two(app):
    """Found by a new user: a level-1 account was bounced to the app with a bare
    ``unmet_authentication_requirements``. It now reads why and how to reach level
    2, and its "return to the app" link carries that error (and no code)."""
    rp = relying_party(app)
    request = authorization_request(rp, acr_values="urn:vneid:loa:2")
    page = sign_in(browser(app), request.url, HAI)
    assert page.status_code == 403
    assert page.headers["Content-Language"] == "vi"
    assert "Cần tài khoản định danh điện tử mức 2" in page.text
    assert "Công an cấp xã" in page.text  # Hải is level 1: verified in person first
    link = re.search(r'href="([^"]+)" id="return"', page.text)
    assert link, page.text
    back = html.unescape(link.group(1))
    assert back.startswith(BROWSER_CALLBACK)
    params = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    assert params["error"] == "unmet_authentication_requirements"
    assert params["state"] == request.state
    assert "code" not in params


def test_level_one_is_granted_when_it_is_acceptable(app):
    token, _, _ = complete_flow(
        app, national_id=HAI, acr_values="urn:vneid:loa:2 urn:vneid:loa:1"
    )
    claims = pyjwt.decode(token["id_token"], options={"verify_signature": False})
    assert claims["acr"] == "urn:vneid:loa:1"


def test_second_authorization_reuses_session_and_consent(app):
    rp = relying_party(app)
    b = browser(app)
    first = authorization_request(rp)
    assert "code" in redirect_params(sign_in(b, first.url))
    second = authorization_request(rp)
    response = b.get(second.url)
    assert "code" in redirect_params(response)


def test_prompt_login_and_max_age_force_a_new_login(app):
    rp = relying_party(app)
    b = browser(app)
    sign_in(b, authorization_request(rp).url)
    forced = b.get(authorization_request(rp, prompt="login").url)
    assert form_step(forced) == "password"
    time.sleep(1.1)  # max_age counts whole seconds since the login
    aged = b.get(authorization_request(rp, max_age="0").url)
    assert form_step(aged) == "password"


def test_prompt_none_without_session_is_login_required(app):
    rp = relying_party(app)
    request = authorization_request(rp, prompt="none")
    params = redirect_params(browser(app).get(request.url))
    assert params["error"] == "login_required"
    assert params["state"] == request.state


def test_prompt_consent_asks_again(app):
    rp = relying_party(app)
    b = browser(app)
    sign_in(b, authorization_request(rp).url)
    again = b.get(authorization_request(rp, prompt="consent").url)
    assert form_step(again) == "consent"


def test_denied_consent_is_access_denied(app):
    rp = relying_party(app)
    request = authorization_request(rp)
    params = redirect_params(sign_in(browser(app), request.url, confirm=False))
    assert params["error"] == "access_denied"


def test_form_without_csrf_token_is_refused(app):
    rp = relying_party(app)
    request = authorization_request(rp)
    b = browser(app)
    b.get(request.url)
    response = b.post(
        request.url, data={"step": "password", "national_id": AN, "password": "x"}
    )
    assert response.status_code == 400
    assert "Hãy bắt đầu lại" in response.text


def test_login_page_speaks_english_on_request(app):
    rp = relying_party(app)
    request = authorization_request(rp)
    b = browser(app)
    vietnamese = b.get(request.url)
    english = b.get(request.url + "&ui_locales=en")
    assert "Mật khẩu" in vietnamese.text
    assert "Password" in english.text
    assert english.headers["Content-Language"] == "en"
    assert vietnamese.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_lax(app):
    rp = relying_party(app)
    response = browser(app).get(authorization_request(rp).url)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/vneid" in cookie


# --- refusals -----------------------------------------------------------------


def _authorize_params(**overrides):
    params = {
        "response_type": "code",
        "client_id": "congdan-app",
        "redirect_uri": BROWSER_CALLBACK,
        "scope": "openid profile",
        "state": "s-123",
        "nonce": "n-123",
        "code_challenge": create_s256_code_challenge("v" * 50),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        (
            {"code_challenge_method": "plain", "code_challenge": "v" * 50},
            "invalid_request",
        ),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"nonce": None}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"request": "eyJ..."}, "request_not_supported"),
    ],
)
def test_bad_authorization_requests_are_redirected_errors(client, overrides, error):
    response = client.get(
        "/vneid/authorize", query_string=_authorize_params(**overrides)
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(BROWSER_CALLBACK)
    assert f"error={error}" in location
    assert "state=s-123" in location
    assert "iss=" in location


@pytest.mark.parametrize(
    ("overrides", "description"),
    [
        (
            {"code_challenge": None, "code_challenge_method": None},
            "PKCE is required: send 'code_challenge'.",
        ),
        (
            {"code_challenge_method": "plain", "code_challenge": "v" * 50},
            "'code_challenge_method' must be 'S256'.",
        ),
    ],
)
def test_a_client_is_told_what_pkce_needs(client, overrides, description):
    response = client.get(
        "/vneid/authorize", query_string=_authorize_params(**overrides)
    )
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error_description"] == [description]


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "http://localhost/callback/evil"},
        {"redirect_uri": "https://attacker.example/cb"},
        {"redirect_uri": None},
        {"client_id": "nobody"},
    ],
)
def test_unverifiable_redirect_is_never_followed(client, overrides):
    response = client.get(
        "/vneid/authorize", query_string=_authorize_params(**overrides)
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"


def _code_for(app, rp=None, national_id=PHUC):
    rp = rp or relying_party(app)
    request = authorization_request(rp)
    params = redirect_params(sign_in(browser(app), request.url, national_id))
    return rp, request, params["code"]


def _token_error(response) -> str:
    assert response.status_code in (400, 401), response.text
    return response.json()["error"]


def test_wrong_and_missing_verifier_are_invalid_grant(app):
    rp, _, code = _code_for(app)
    wrong = rp.post(
        "http://localhost/vneid/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": BROWSER_CALLBACK,
            "code_verifier": "w" * 50,
        },
        auth=("congdan-app", rp.client_secret),
    )
    assert _token_error(wrong) == "invalid_grant"
    rp2, _, code2 = _code_for(app)
    missing = rp2.post(
        "http://localhost/vneid/token",
        data={
            "grant_type": "authorization_code",
            "code": code2,
            "redirect_uri": BROWSER_CALLBACK,
        },
        auth=("congdan-app", rp2.client_secret),
    )
    assert _token_error(missing) == "invalid_grant"


def test_replayed_code_is_refused_and_kills_its_tokens(app, client):
    rp, request, code = _code_for(app)
    token = rp.fetch_token(
        "http://localhost/vneid/token", code=code, code_verifier=request.verifier
    )
    replay = rp.post(
        "http://localhost/vneid/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": BROWSER_CALLBACK,
            "code_verifier": request.verifier,
        },
        auth=("congdan-app", rp.client_secret),
    )
    assert _token_error(replay) == "invalid_grant"
    userinfo = client.get(
        "/vneid/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert userinfo.status_code == 401
    assert userinfo.get_json()["error"] == "invalid_token"
    refreshed = rp.post(
        "http://localhost/vneid/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=("congdan-app", rp.client_secret),
    )
    assert _token_error(refreshed) == "invalid_grant"
    # The replay revoked the family; the refresh then met a revoked token.
    assert _family_revocations() == [
        "authorization code replayed",
        "refresh token reused",
    ]
    [replayed] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "vneid.code.replayed")
    ).all()
    assert replayed.outcome == "failure"
    assert replayed.client_id == "congdan-app"
    assert replayed.actor_id == db.session.scalar(
        sa.select(Citizen.id).where(Citizen.national_id == PHUC)
    )


def test_redeeming_one_code_leaves_another_outstanding_code_redeemable(app):
    """The code is claimed by its own row: a claim of every unused code would
    leave the other login's code refused as a replay."""
    rp, first_request, first = _code_for(app)
    _, second_request, second = _code_for(app, rp=rp, national_id=AN)
    rp.fetch_token(
        "http://localhost/vneid/token", code=first, code_verifier=first_request.verifier
    )
    token = rp.fetch_token(
        "http://localhost/vneid/token",
        code=second,
        code_verifier=second_request.verifier,
    )
    assert token["access_token"]


def test_expired_code_is_invalid_grant(app):
    rp, request, code = _code_for(app)
    db.session.execute(
        sa.update(AuthorizationCode).values(created_at=utcnow().replace(year=2020))
    )
    db.session.commit()
    response = rp.post(
        "http://localhost/vneid/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": BROWSER_CALLBACK,
            "code_verifier": request.verifier,
        },
        auth=("congdan-app", rp.client_secret),
    )
    assert _token_error(response) == "invalid_grant"


def test_wrong_client_secret_is_invalid_client(app):
    rp, request, code = _code_for(app)
    response = rp.post(
        "http://localhost/vneid/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": BROWSER_CALLBACK,
            "code_verifier": request.verifier,
        },
        auth=("congdan-app", "not-the-secret"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_refresh_rotates_and_reuse_revokes_the_family(app, client):
    token, _, rp = complete_flow(app, national_id=PHUC)
    first = rp.post(
        "http://localhost/vneid/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=("congdan-app", rp.client_secret),
    ).json()
    assert first["refresh_token"] != token["refresh_token"]
    reuse = rp.post(
        "http://localhost/vneid/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=("congdan-app", rp.client_secret),
    )
    assert _token_error(reuse) == "invalid_grant"
    dead = client.get(
        "/vneid/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"}
    )
    assert dead.status_code == 401


def _refresh(rp, refresh_token):
    return rp.post(
        "http://localhost/vneid/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=("congdan-app", rp.client_secret),
    )


def _family_revocations():
    return [
        event.details["reason"]
        for event in db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "vneid.token.family_revoked"
            )
        )
    ]


def test_a_rotated_refresh_token_is_revoked_and_a_replay_is_recorded_as_reuse(app):
    """The old token is marked revoked at rotation (not only used), and a replay
    revokes the family with the reason an investigator reads."""
    token, _, rp = complete_flow(app, national_id=PHUC)
    assert _refresh(rp, token["refresh_token"]).status_code == 200
    old = db.session.scalar(
        sa.select(ProviderToken).where(
            ProviderToken.refresh_digest == digest(token["refresh_token"])
        )
    )
    assert old.revoked_at is not None
    assert _token_error(_refresh(rp, token["refresh_token"])) == "invalid_grant"
    assert _family_revocations() == ["refresh token reused"]


def test_a_refresh_token_is_refused_from_the_instant_it_expires(app, monkeypatch):
    token, _, rp = complete_flow(app, national_id=PHUC)
    row = db.session.scalar(
        sa.select(ProviderToken).where(
            ProviderToken.refresh_digest == digest(token["refresh_token"])
        )
    )
    expires = row.refresh_expires_at
    db.session.commit()
    monkeypatch.setattr(grants, "utcnow", lambda: expires)
    assert _token_error(_refresh(rp, token["refresh_token"])) == "invalid_grant"
    assert _family_revocations() == []  # expired, not replayed


def test_a_refresh_token_claimed_by_a_concurrent_request_revokes_the_family(
    app, monkeypatch
):
    """The guarded claim lost (another request used the token between the read
    and the update): deterministic, with the other request's claim made first."""
    token, _, rp = complete_flow(app, national_id=PHUC)
    real_utcnow = grants.utcnow
    calls = []

    def claim_first() -> Any:
        # The first call is the expiry check: the other request claims now.
        if not calls:
            db.session.execute(
                sa.update(ProviderToken)
                .where(ProviderToken.refresh_digest == digest(token["refresh_token"]))
                .values(refresh_used_at=real_utcnow())
            )
        calls.append(1)
        return real_utcnow()

    monkeypatch.setattr(grants, "utcnow", claim_first)
    assert _token_error(_refresh(rp, token["refresh_token"])) == "invalid_grant"
    assert _family_revocations() == ["refresh token reused concurrently"]


def test_revoking_the_refresh_token_kills_the_access_token(app, client):
    token, _, rp = complete_flow(app, national_id=PHUC)
    revoked = rp.post(
        "http://localhost/vneid/revoke",
        data={"token": token["refresh_token"], "token_type_hint": "refresh_token"},
        auth=("congdan-app", rp.client_secret),
    )
    assert revoked.status_code == 200
    introspected = rp.post(
        "http://localhost/vneid/introspect",
        data={"token": token["access_token"]},
        auth=("congdan-app", rp.client_secret),
    ).json()
    assert introspected == {"active": False}


def test_introspection_describes_own_tokens_only(app):
    token, _, rp = complete_flow(app, national_id=PHUC)
    mine = rp.post(
        "http://localhost/vneid/introspect",
        data={"token": token["access_token"]},
        auth=("congdan-app", rp.client_secret),
    ).json()
    assert mine["active"] is True
    assert mine["client_id"] == "congdan-app"
    assert mine["acr"] == "urn:vneid:loa:1"

    other_id = unique_client_id()
    _, other_secret = register_client(other_id, ["https://other.example/cb"])
    db.session.commit()
    theirs = rp.post(
        "http://localhost/vneid/introspect",
        data={"token": token["access_token"]},
        auth=(other_id, other_secret),
    ).json()
    assert theirs == {"active": False}


def test_introspection_refuses_unauthenticated_callers(app, client):
    public_id = unique_client_id()
    register_client(public_id, ["https://app.example/cb"], public=True)
    db.session.commit()
    response = client.post(
        "/vneid/introspect", data={"token": "anything", "client_id": public_id}
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_public_client_must_use_pkce_and_no_secret(app):
    public_id = unique_client_id()
    register_client(public_id, ["https://app.example/cb"], public=True)
    db.session.commit()
    rp = relying_party(app, public_id, None, "https://app.example/cb", scope="openid")
    token, _, _ = complete_flow(app, national_id=PHUC, rp=rp)
    assert token["id_token"]


def test_rp_initiated_logout_ends_the_session(app, citizen):
    rp = relying_party(app)
    request = authorization_request(rp)
    b = browser(app)
    code = redirect_params(sign_in(b, request.url, PHUC))["code"]
    token = rp.fetch_token(
        "http://localhost/vneid/token", code=code, code_verifier=request.verifier
    )
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
    sessions = db.session.scalars(
        sa.select(LoginSession).where(LoginSession.citizen_id == citizen(PHUC).id)
    ).all()
    assert sessions
    assert all(s.ended_at is not None for s in sessions)
    again = b.get(authorization_request(rp, prompt="none").url)
    assert redirect_params(again)["error"] == "login_required"


def test_unknown_client_is_not_registered_twice():
    register_client("dup-client", ["https://dup.example/cb"])
    with pytest.raises(ValueError, match="already registered"):
        register_client("dup-client", ["https://dup.example/cb"])


@pytest.mark.parametrize(
    "uri",
    ["http://evil.example/cb", "https://app.example/cb#frag", "javascript:alert(1)"],
)
def test_unsafe_redirect_uris_cannot_be_registered(uri):
    with pytest.raises(ValueError, match="redirect URI"):
        register_client(unique_client_id(), [uri])


def test_none_algorithm_cannot_be_registered():
    with pytest.raises(ValueError, match="RS256 or ES256"):
        register_client(unique_client_id(), ["https://a.example/cb"], alg="none")


def test_citizen_row_is_untouched_by_login(app, citizen):
    before = citizen(PHUC).updated_at
    complete_flow(app, national_id=PHUC)
    db.session.expire_all()
    assert db.session.get(Citizen, citizen(PHUC).id).updated_at == before


def test_create_client_registers_no_shared_secret(app):
    """A new confidential client authenticates with its keys (FAPI 2.0); shared
    secrets are the demo client's alone."""
    runner = app.test_cli_runner()
    base = ["vneid", "create-client", "--redirect-uri", "https://his.clinic.example/cb"]
    keyless = runner.invoke(args=[*base, "--client-id", "clinic-his"])
    assert keyless.exit_code != 0
    assert "jwks" in keyless.output
    secret = runner.invoke(
        args=[*base, "--client-id", "clinic-his", "--auth", "client_secret_basic"]
    )
    assert secret.exit_code != 0
    public = runner.invoke(args=[*base, "--client-id", "clinic-app", "--public"])
    assert public.exit_code == 0, public.output
    assert "client_secret" not in public.output
    stored = db.session.scalar(
        sa.select(OAuthClient).where(OAuthClient.client_id == "clinic-app")
    )
    assert stored.is_public


def test_create_client_command_refuses_unsafe_metadata(app):
    result = app.test_cli_runner().invoke(
        args=[
            "vneid",
            "create-client",
            "--client-id",
            "x",
            "--public",
            "--redirect-uri",
            "http://evil.example/cb",
        ]
    )
    assert result.exit_code != 0
    assert "redirect URI" in result.output


# What mutants of the provider's grants showed untested -------------------------


def test_an_id_token_names_its_party_and_binds_its_access_token(app, client):
    token, _, _ = complete_flow(app, national_id=PHUC)
    jwks = client.get("/vneid/jwks").get_json()
    claims = verify_with_pyjwt(token["id_token"], "congdan-app", jwks)
    header = pyjwt.get_unverified_header(token["id_token"])
    assert header["typ"] == "JWT"
    assert claims["azp"] == "congdan-app"
    assert (
        claims["at_hash"]
        == create_half_hash(token["access_token"], header["alg"]).decode()
    )


def test_a_client_stored_with_an_unsupported_algorithm_gets_rs256(app, client):
    """Registration refuses other algorithms; a row that holds one anyway (an
    older registration) is answered in RS256, never in what it names."""
    client_id = unique_client_id()
    _, secret = register_client(client_id, ["https://partner.example/cb"])
    db.session.execute(
        sa.update(OAuthClient)
        .where(OAuthClient.client_id == client_id)
        .values(id_token_signed_response_alg="PS512")
    )
    db.session.commit()
    partner = relying_party(app, client_id, secret, "https://partner.example/cb")
    token, _, _ = complete_flow(app, rp=partner, national_id=PHUC)
    assert pyjwt.get_unverified_header(token["id_token"])["alg"] == "RS256"


def test_a_nonce_is_single_use_per_client_only(app):
    """A nonce one client already used is refused to that client (a replayed
    authentication), and free for another."""
    rp, first, _ = _code_for(app)
    again = authorization_request(rp)
    reused = again.url.replace(again.nonce, first.nonce)
    answer = browser(app).get(reused)
    assert answer.status_code in (302, 400)
    refused = answer.headers.get("Location", "") + answer.text
    assert "invalid_request" in refused

    client_id = unique_client_id()
    _, secret = register_client(client_id, ["https://partner.example/cb"])
    db.session.commit()
    partner = relying_party(app, client_id, secret, "https://partner.example/cb")
    theirs = authorization_request(partner)
    allowed = theirs.url.replace(theirs.nonce, first.nonce)
    params = redirect_params(sign_in(browser(app), allowed, PHUC))
    assert "code" in params


def test_a_token_request_without_its_verifier_is_told_so(app):
    rp, _, code = _code_for(app)
    answer = rp.post(
        "http://localhost/vneid/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": BROWSER_CALLBACK,
        },
        auth=("congdan-app", rp.client_secret),
    )
    assert answer.json()["error_description"] == "Missing 'code_verifier'."


@pytest.mark.parametrize(
    ("redirect_uri", "description"),
    [
        (None, "Missing 'redirect_uri' in request."),
        (
            "https://attacker.example/cb",
            "The 'redirect_uri' is not registered for this client.",
        ),
    ],
)
def test_an_unverifiable_redirect_is_explained_on_the_page(
    client, redirect_uri, description
):
    response = client.get(
        "/vneid/authorize", query_string=_authorize_params(redirect_uri=redirect_uri)
    )
    assert response.status_code == 400
    assert description in response.get_data(as_text=True).replace("&#39;", "'")


def test_a_request_without_the_openid_scope_is_told_so(client):
    response = client.get(
        "/vneid/authorize", query_string=_authorize_params(scope="profile")
    )
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error_description"] == ["The 'openid' scope is required."]
