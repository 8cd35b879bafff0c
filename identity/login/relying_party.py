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

Logout is :mod:`identity.login.logout`; the HTTP client to the provider, in-process
in development, is :mod:`identity.login.provider`.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlencode

import httpx2 as httpx
import sqlalchemy as sa
from authlib.common.errors import AuthlibBaseError
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.db import utcnow
from app.errors import Problem
from app.extensions import db
from identity.login import provider
from identity.login.models import ExternalIdentity, LoginState
from identity.login.provider import ALGORITHMS, ProviderUnavailable
from identity.models import Citizen
from identity.services import find_citizen_by_national_id

STATE_LIFETIME = timedelta(minutes=10)
SCOPE = "openid profile national_id"


class LoginStateInvalid(Problem):
    code, slug = 400, "login-state-invalid"


class LoginFailed(Problem):
    code, slug = 400, "login-failed"


class AccountNotLinkable(Problem):
    code, slug = 403, "account-not-linkable"


class CodeVerifierMismatch(Problem):
    code, slug = 400, "code-verifier-mismatch"


class LoginStarted(NamedTuple):
    """Where the phone opens the login, and the state that comes back with the code."""

    authorization_url: str
    state: str


@dataclass(frozen=True)
class VerifiedLogin:
    """What a redeemed, verified VNeID login says."""

    citizen: Citizen
    acr: str
    auth_time: datetime
    #: The provider session of this login, and its ID token (for logout).
    sid: str | None
    id_token: str


def allowed_redirect_uris() -> list[str]:
    """Where the phone (or a browser) may receive the code."""
    base = current_app.config["BASE_URL"]
    # The phone's app link, the browser landing page, the operations dashboard.
    return [
        current_app.config["API_APP_REDIRECT_URI"],
        f"{base}/callback",
        f"{base}/ioc",
    ]


def start(
    redirect_uri: str,
    code_challenge: str,
    acr_values: str | None,
    max_age: int | None,
    prompt: str | None,
) -> LoginStarted:
    """Create a login state for the phone's PKCE challenge; say where to log in."""
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
    with provider.client() as http:
        endpoint = provider.provider_metadata(http)["authorization_endpoint"]
    return LoginStarted(f"{endpoint}?{urlencode(params)}", state)


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
            iss={"essential": True, "value": provider.issuer()},
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
    with provider.client() as http:
        metadata = provider.provider_metadata(http)
        try:
            token = http.fetch_token(
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
        jwks: Any = provider.get_json(http, metadata["jwks_uri"])
        keyset = KeySet.import_key_set(jwks)
        claims = _verify_id_token(token["id_token"], login_state.nonce, keyset)
        http.token = token
        userinfo = provider.get_json(
            http, metadata["userinfo_endpoint"], with_token=True
        )
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
