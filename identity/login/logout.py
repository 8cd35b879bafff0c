"""Logout between the API and VNeID, both ways.

The provider tells the API of a logout by back-channel logout (OpenID Connect
Back-Channel Logout 1.0): :func:`verify_logout_token` checks the logout token as
§2.6 requires. The API's own logout ends the provider session with the login's ID
token as ``id_token_hint`` (:func:`end_provider_session`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx2 as httpx
import sqlalchemy as sa
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.db import utcnow
from app.extensions import db
from identity.login import provider
from identity.login.models import ExternalIdentity, LogoutTokenUse
from identity.login.provider import ALGORITHMS, ProviderUnavailable


class LogoutTokenError(ValueError):
    """A back-channel logout token that must not be acted on (spec §2.6)."""


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
    with provider.client() as http:
        keyset = KeySet.import_key_set(
            provider.get_json(http, provider.provider_metadata(http)["jwks_uri"])  # type: ignore[arg-type]
        )
    try:
        token = jwt.decode(logout_token, keyset, algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=_LEEWAY,
            iss={"essential": True, "value": provider.issuer()},
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
                ExternalIdentity.issuer == provider.issuer(),
                ExternalIdentity.subject == sub,
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
            LogoutTokenUse.issuer == provider.issuer(), LogoutTokenUse.jti == jti
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
                LogoutTokenUse(issuer=provider.issuer(), jti=jti, expires_at=expires_at)
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
    with provider.client() as http:
        try:
            endpoint = provider.provider_metadata(http).get("end_session_endpoint")
            if not endpoint:
                return False
            response = http.request(
                "GET", endpoint, params={"id_token_hint": id_token}, withhold_token=True
            )
        except (httpx.HTTPError, ProviderUnavailable):
            return False
    return bool(response.status_code == 200)
