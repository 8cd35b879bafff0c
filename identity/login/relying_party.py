"""The API as a relying party of VNeID (confidential client ``congdan-app``).

The phone proves it started the login: it makes the PKCE verifier, sends only its
S256 challenge to ``start`` and the verifier to ``finish``. The API keeps the
challenge, the nonce and the redirect URI for ten minutes keyed by ``state``,
checks the verifier against the challenge before it spends the state, and passes
the verifier on to the provider's token endpoint, which checks it again. Whoever
reads ``code`` and ``state`` off the phone's redirect lacks the verifier. The phone
never sees the nonce or the client secret. The ID token is verified in full —
signature by the provider's JWKS with a pinned algorithm list, ``iss``, ``aud``,
``azp``, ``exp``, ``iat`` and ``nonce``.

Logout goes both ways. The provider tells the API of a logout by back-channel
logout (OpenID Connect Back-Channel Logout 1.0): :func:`verify_logout_token`
checks the logout token as §2.6 requires. The API's own logout ends the provider
session with the login's ID token as ``id_token_hint`` (:func:`end_provider_session`).

With the embedded provider (development, tests) the HTTP calls go to this very
application in-process through ``httpx.WSGITransport``; pointed at the real VNeID
(``VNEID_ISSUER``) they go over the network. Nothing else changes.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx2 as httpx
import sqlalchemy as sa
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.db import utcnow
from app.errors import Problem
from app.extensions import db
from identity.login.models import ExternalIdentity, LoginState, LogoutTokenUse
from identity.models import Citizen
from identity.services import find_citizen_by_national_id

STATE_LIFETIME = timedelta(minutes=10)
SCOPE = "openid profile national_id"
ALGORITHMS = ["RS256", "ES256"]
_METADATA_TTL = 300.0


class LoginStateInvalid(Problem):
    code, slug = 400, "login-state-invalid"


class LoginFailed(Problem):
    code, slug = 400, "login-failed"


class ProviderUnavailable(Problem):
    code, slug = 502, "identity-provider-unavailable"


class AccountNotLinkable(Problem):
    code, slug = 403, "account-not-linkable"


class CodeVerifierMismatch(Problem):
    code, slug = 400, "code-verifier-mismatch"


class LogoutTokenError(ValueError):
    """A back-channel logout token that must not be acted on (spec §2.6)."""


@dataclass(frozen=True)
class VerifiedLogin:
    """What a redeemed, verified VNeID login says."""

    citizen: Citizen
    acr: str
    auth_time: datetime
    #: The provider session of this login, and its ID token (for logout).
    sid: str | None
    id_token: str


def issuer() -> str:
    """The VNeID issuer the API trusts."""
    return str(current_app.config["VNEID_ISSUER"])


def allowed_redirect_uris() -> list[str]:
    """Where the phone (or a browser) may receive the code."""
    return [
        current_app.config["API_APP_REDIRECT_URI"],
        f"{current_app.config['BASE_URL']}/callback",
    ]


def _client(**kwargs: Any) -> OAuth2Client:
    transport = None
    if current_app.config["VNEID_IN_PROCESS"]:
        transport = httpx.WSGITransport(app=current_app._get_current_object())  # type: ignore[attr-defined]
    return OAuth2Client(
        client_id=current_app.config["VNEID_CLIENT_ID"],
        client_secret=current_app.config["VNEID_CLIENT_SECRET"],
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
        transport=transport,
        timeout=10.0,
        **kwargs,
    )


_metadata_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def _get_json(
    client: OAuth2Client, url: str, *, cache: bool = False, with_token: bool = False
) -> dict[str, Any]:
    cached = _metadata_cache.get(url)
    if cache and cached and time.monotonic() - cached[0] < _METADATA_TTL:
        return cached[1]
    try:
        response = client.request("GET", url, withhold_token=not with_token)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise ProviderUnavailable() from error
    if cache:
        _metadata_cache[url] = (time.monotonic(), document)
    return document


def provider_metadata(client: OAuth2Client) -> dict[str, Any]:
    """The provider's discovery document (cached five minutes)."""
    return _get_json(client, f"{issuer()}/.well-known/openid-configuration", cache=True)


def start(
    redirect_uri: str,
    code_challenge: str,
    acr_values: str | None,
    max_age: int | None,
    prompt: str | None,
) -> tuple[str, str]:
    """Create a login state for the phone's PKCE challenge; return the URL and state."""
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    db.session.add(
        LoginState(
            state=state,
            nonce=nonce,
            code_challenge=code_challenge,
            redirect_uri=redirect_uri,
        )
    )
    params = {
        "response_type": "code",
        "client_id": current_app.config["VNEID_CLIENT_ID"],
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    if acr_values:
        params["acr_values"] = acr_values
    if max_age is not None:
        params["max_age"] = str(max_age)
    if prompt:
        params["prompt"] = prompt
    with _client() as client:
        endpoint = provider_metadata(client)["authorization_endpoint"]
    return f"{endpoint}?{urlencode(params)}", state


def consume_state(state: str, code_verifier: str) -> LoginState:
    """Claim a pending login state once, for the phone that started it.

    The verifier is checked before the state is spent, so a wrong one (someone
    who read the redirect) neither logs in nor spoils the phone's login.

    :raise LoginStateInvalid: unknown, used or expired state.
    :raise CodeVerifierMismatch: the verifier does not match the challenge.
    """
    row = db.session.get(LoginState, state)
    if (
        row is None
        or row.used_at is not None
        or utcnow() >= row.created_at + STATE_LIFETIME
    ):
        raise LoginStateInvalid()
    if not hmac.compare_digest(
        create_s256_code_challenge(code_verifier), row.code_challenge
    ):
        raise CodeVerifierMismatch()
    claimed = db.session.execute(
        sa.update(LoginState)
        .where(LoginState.state == state, LoginState.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise LoginStateInvalid()
    return row


def _verify_id_token(id_token: str, nonce: str, keyset: KeySet) -> dict[str, Any]:
    try:
        token = jwt.decode(id_token, keyset, algorithms=ALGORITHMS)
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": issuer()},
            aud={"essential": True, "value": current_app.config["VNEID_CLIENT_ID"]},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
            acr={"essential": True},
            auth_time={"essential": True},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError) as error:
        raise LoginFailed(detail_key="login-failed.id-token") from error
    claims = dict(token.claims)
    if claims.get("azp", claims["aud"]) != current_app.config["VNEID_CLIENT_ID"]:
        raise LoginFailed(detail_key="login-failed.id-token")
    return claims


def redeem(
    code: str, login_state: LoginState, code_verifier: str
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Redeem the code with the phone's verifier at the provider.

    :return: the verified ID token's claims, the userinfo and the ID token.
    """
    with _client() as client:
        metadata = provider_metadata(client)
        try:
            token = client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                redirect_uri=login_state.redirect_uri,
                code_verifier=code_verifier,
            )
        except AuthlibBaseError as error:
            raise LoginFailed(detail_key="login-failed.code") from error
        except httpx.HTTPError as error:
            raise ProviderUnavailable() from error
        if "id_token" not in token:
            raise LoginFailed(detail_key="login-failed.id-token")
        jwks: Any = _get_json(client, metadata["jwks_uri"])
        keyset = KeySet.import_key_set(jwks)
        claims = _verify_id_token(token["id_token"], login_state.nonce, keyset)
        client.token = token
        userinfo = _get_json(client, metadata["userinfo_endpoint"], with_token=True)
    if userinfo.get("sub") != claims["sub"]:
        raise LoginFailed(detail_key="login-failed.id-token")
    return claims, userinfo, str(token["id_token"])


def link_citizen(
    claims: dict[str, Any], userinfo: dict[str, Any], id_token: str
) -> VerifiedLogin:
    """Find the citizen behind the provider's subject, linking them at first login."""
    link = db.session.scalar(
        sa.select(ExternalIdentity).where(
            ExternalIdentity.issuer == claims["iss"],
            ExternalIdentity.subject == claims["sub"],
        )
    )
    citizen = db.session.get(Citizen, link.citizen_id) if link else None
    if citizen is None:
        number = userinfo.get("national_id")
        citizen = (
            find_citizen_by_national_id(number) if isinstance(number, str) else None
        )
        if citizen is None:
            raise AccountNotLinkable()
        db.session.add(
            ExternalIdentity(
                issuer=claims["iss"], subject=claims["sub"], citizen_id=citizen.id
            )
        )
    sid = claims.get("sid")
    return VerifiedLogin(
        citizen=citizen,
        acr=str(claims["acr"]),
        auth_time=datetime.fromtimestamp(int(claims["auth_time"]), UTC),
        sid=str(sid) if sid else None,
        id_token=id_token,
    )


# --- logout --------------------------------------------------------------------

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: Clock skew allowed on a logout token's ``iat`` and ``exp``.
_LEEWAY = 60


@dataclass(frozen=True)
class LogoutRequest:
    """What a verified logout token asks to end: a provider session or a subject."""

    sid: str | None
    citizen_id: Any | None


def verify_logout_token(logout_token: str) -> LogoutRequest:
    """Validate a back-channel logout token (spec §2.6) and spend its ``jti``.

    Signature by the provider's JWKS (pinned algorithms), ``typ`` ``logout+jwt``,
    ``iss``, ``aud``, ``iat`` and ``exp``, the back-channel logout event, no
    ``nonce``, a ``sid`` or a ``sub``, and a ``jti`` never seen before.

    :raise LogoutTokenError: anything else.
    :raise ProviderUnavailable: the provider's keys cannot be read.
    """
    with _client() as client:
        keyset = KeySet.import_key_set(
            _get_json(client, provider_metadata(client)["jwks_uri"])  # type: ignore[arg-type]
        )
    try:
        token = jwt.decode(logout_token, keyset, algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=_LEEWAY,
            iss={"essential": True, "value": issuer()},
            aud={"essential": True, "value": current_app.config["VNEID_CLIENT_ID"]},
            iat={"essential": True},
            exp={"essential": True},
            jti={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError) as error:
        raise LogoutTokenError(str(error)) from error
    claims = token.claims
    if token.header.get("typ") != "logout+jwt":
        raise LogoutTokenError("not typed logout+jwt")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
        raise LogoutTokenError("no back-channel logout event")
    if "nonce" in claims:
        raise LogoutTokenError("a logout token carries no nonce")
    sid, sub = claims.get("sid"), claims.get("sub")
    if not (isinstance(sid, str) and sid) and not (isinstance(sub, str) and sub):
        raise LogoutTokenError("neither sid nor sub")
    if int(claims["iat"]) > int(time.time()) + _LEEWAY:
        raise LogoutTokenError("issued in the future")
    _spend_jti(str(claims["jti"]), int(claims["exp"]))
    citizen_id = None
    if isinstance(sub, str) and sub:
        citizen_id = db.session.scalar(
            sa.select(ExternalIdentity.citizen_id).where(
                ExternalIdentity.issuer == issuer(), ExternalIdentity.subject == sub
            )
        )
    return LogoutRequest(
        sid=sid if isinstance(sid, str) and sid else None, citizen_id=citizen_id
    )


def _spend_jti(jti: str, exp: int) -> None:
    """Record a logout token's ``jti``; a second presentation is refused."""
    expires_at = datetime.fromtimestamp(exp + _LEEWAY, UTC)
    seen = db.session.scalar(
        sa.select(LogoutTokenUse.jti).where(
            LogoutTokenUse.issuer == issuer(), LogoutTokenUse.jti == jti
        )
    )
    if seen is not None:
        raise LogoutTokenError("jti already used")
    # Drop what no longer needs remembering: expired tokens are refused by exp.
    db.session.execute(
        sa.delete(LogoutTokenUse).where(LogoutTokenUse.expires_at < utcnow())
    )
    try:
        with db.session.begin_nested():
            db.session.add(
                LogoutTokenUse(issuer=issuer(), jti=jti, expires_at=expires_at)
            )
    except sa.exc.IntegrityError as error:
        raise LogoutTokenError("jti already used") from error


def end_provider_session(id_token: str) -> bool:
    """RP-initiated logout from the server: end the provider session of ``id_token``.

    With a valid ``id_token_hint`` the provider ends that session without asking
    the browser, revokes its grants and tells its relying parties (this API
    included) by back-channel logout.

    :return: whether the provider accepted the request.
    """
    with _client() as client:
        try:
            endpoint = provider_metadata(client).get("end_session_endpoint")
            if not endpoint:
                return False
            response = client.request(
                "GET", endpoint, params={"id_token_hint": id_token}, withhold_token=True
            )
        except (httpx.HTTPError, ProviderUnavailable):
            return False
    return bool(response.status_code == 200)
