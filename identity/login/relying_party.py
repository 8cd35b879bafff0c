"""The API as a relying party of VNeID (confidential client ``congdan-app``).

The phone never sees the PKCE verifier, the nonce or the client secret: the API
creates them at ``start``, keeps them for ten minutes keyed by ``state``, and uses
them at ``finish`` to redeem the code through the provider's real token endpoint.
The ID token is then verified in full — signature by the provider's JWKS with a
pinned algorithm list, ``iss``, ``aud``, ``azp``, ``exp``, ``iat`` and ``nonce``.

With the embedded provider (development, tests) the HTTP calls go to this very
application in-process through ``httpx.WSGITransport``; pointed at the real VNeID
(``VNEID_ISSUER``) they go over the network. Nothing else changes.
"""

from __future__ import annotations

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
from identity.login.models import ExternalIdentity, LoginState
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


@dataclass(frozen=True)
class VerifiedLogin:
    """What a redeemed, verified VNeID login says."""

    citizen: Citizen
    acr: str
    auth_time: datetime


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
    redirect_uri: str, acr_values: str | None, max_age: int | None, prompt: str | None
) -> tuple[str, str]:
    """Create a login state; return the authorization URL and the state."""
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    db.session.add(
        LoginState(
            state=state, nonce=nonce, code_verifier=verifier, redirect_uri=redirect_uri
        )
    )
    params = {
        "response_type": "code",
        "client_id": current_app.config["VNEID_CLIENT_ID"],
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
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


def consume_state(state: str) -> LoginState:
    """Claim a pending login state once; refuse unknown, used or expired ones."""
    row = db.session.get(LoginState, state)
    if (
        row is None
        or row.used_at is not None
        or utcnow() >= row.created_at + STATE_LIFETIME
    ):
        raise LoginStateInvalid()
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


def redeem(code: str, login_state: LoginState) -> tuple[dict[str, Any], dict[str, Any]]:
    """Redeem the code at the provider; return the verified ID token claims and userinfo."""
    with _client() as client:
        metadata = provider_metadata(client)
        try:
            token = client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                redirect_uri=login_state.redirect_uri,
                code_verifier=login_state.code_verifier,
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
    return claims, userinfo


def link_citizen(claims: dict[str, Any], userinfo: dict[str, Any]) -> VerifiedLogin:
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
    return VerifiedLogin(
        citizen=citizen,
        acr=str(claims["acr"]),
        auth_time=datetime.fromtimestamp(int(claims["auth_time"]), UTC),
    )
