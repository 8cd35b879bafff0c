"""The API's own tokens (flask-jwt-extended): 15-minute access, 30-day refresh.

A login starts a *family*. Each refresh token works once and is replaced by a new
one of the same family; presenting a used one means it was stolen or replayed, so
the whole family is revoked. Access tokens name their family, and the family is
checked on every request, so logout and reuse detection take effect at once.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from jwt import PyJWTError

from app import audit, unit_of_work
from app.auth import Actor, InvalidToken, dpop_challenge
from app.db import utcnow
from app.errors import Problem
from app.extensions import db, jwt
from identity.login.models import RefreshToken, TokenFamily
from identity.models import Citizen, Membership


class RefreshTokenReused(Problem):
    code, slug = 401, "refresh-token-reused"


def _lifetime(name: str) -> timedelta:
    value: timedelta = current_app.config[name]
    return value


def _token_response(
    access: str, refresh: str | None = None, *, bound: bool
) -> dict[str, Any]:
    response: dict[str, Any] = {
        "access_token": access,
        "token_type": "DPoP" if bound else "Bearer",
        "expires_in": int(_lifetime("JWT_ACCESS_TOKEN_EXPIRES").total_seconds()),
    }
    if refresh is not None:
        response["refresh_token"] = refresh
        response["refresh_expires_in"] = int(
            _lifetime("JWT_REFRESH_TOKEN_EXPIRES").total_seconds()
        )
    return response


def _access_claims(family: TokenFamily) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "fam": str(family.id),
        "acr": family.acr,
        "auth_time": int(family.auth_time.timestamp()),
    }
    if family.dpop_jkt is not None:
        claims["cnf"] = {"jkt": family.dpop_jkt}
    return claims


def _issue_pair(family: TokenFamily) -> dict[str, Any]:
    identity = str(family.citizen_id)
    claims = _access_claims(family)
    access = create_access_token(identity=identity, additional_claims=claims)
    refresh = create_refresh_token(
        identity=identity, additional_claims={"fam": claims["fam"]}
    )
    payload = decode_token(refresh)
    db.session.add(
        RefreshToken(
            jti=payload["jti"],
            family_id=family.id,
            expires_at=datetime.fromtimestamp(payload["exp"], tz=utcnow().tzinfo),
        )
    )
    db.session.flush()
    return _token_response(access, refresh, bound=family.dpop_jkt is not None)


def start_session(
    citizen: Citizen,
    *,
    acr: str,
    auth_time: datetime,
    provider_sid: str | None = None,
    provider_id_token: str | None = None,
    dpop_jkt: str | None = None,
) -> dict[str, Any]:
    """Open a token family for a fresh login and return its first token pair.

    ``provider_sid`` is the provider session of the login: a back-channel logout
    naming it revokes the family. ``provider_id_token`` lets the API's logout end
    that provider session. ``dpop_jkt`` binds every token of the family to the
    phone's key (RFC 9449).
    """
    family = TokenFamily(
        citizen_id=citizen.id,
        acr=acr,
        auth_time=auth_time,
        provider_sid=provider_sid,
        provider_id_token=provider_id_token,
        dpop_jkt=dpop_jkt,
    )
    db.session.add(family)
    db.session.flush()
    audit.record("api.login", "success", actor_id=citizen.id, details={"acr": acr})
    return _issue_pair(family)


def revoke_family(family_id: uuid.UUID, reason: str) -> None:
    """Revoke a family: its refresh tokens and every access token naming it."""
    if has_request_context():
        request.environ.pop(_CHECKED_FAMILIES, None)
    db.session.execute(
        sa.update(TokenFamily)
        .where(TokenFamily.id == family_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    audit.record(
        "api.tokens.revoked",
        "success",
        details={"family": str(family_id), "reason": reason},
    )


def revoke_provider_logins(
    reason: str, *, sid: str | None = None, citizen_id: uuid.UUID | None = None
) -> int:
    """Revoke every live family of a provider session, or of a citizen (logout).

    :return: how many families were revoked.
    """
    if sid is None and citizen_id is None:
        return 0
    query = sa.select(TokenFamily.id).where(TokenFamily.revoked_at.is_(None))
    if sid is not None:
        query = query.where(TokenFamily.provider_sid == sid)
    if citizen_id is not None:
        query = query.where(TokenFamily.citizen_id == citizen_id)
    families = db.session.scalars(query).all()
    for family_id in families:
        revoke_family(family_id, reason)
    return len(families)


def rotate(refresh_token: str, dpop_jkt: str | None) -> dict[str, Any]:
    """Exchange a refresh token for a new pair; a reused one revokes its family.

    A bound family's refresh token works only with a proof of its key
    (``dpop_jkt``); a refusal for the key spends nothing.

    :raise InvalidToken: the token is malformed, expired, not a refresh token, or
        presented without its family's key.
    :raise RefreshTokenReused: the token was already used (family now revoked).
    """
    try:
        payload = decode_token(refresh_token)
    except PyJWTError as error:
        raise InvalidToken() from error
    if payload.get("type") != "refresh" or "fam" not in payload:
        raise InvalidToken()
    row = db.session.get(RefreshToken, payload["jti"])
    family = db.session.get(TokenFamily, uuid.UUID(payload["fam"]))
    if row is None or family is None or row.family_id != family.id:
        raise InvalidToken()
    if family.revoked_at is not None:
        raise InvalidToken()
    if family.dpop_jkt is not None and dpop_jkt != family.dpop_jkt:
        raise InvalidToken(headers=dpop_challenge("invalid_token"))
    claimed = db.session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.jti == row.jti, RefreshToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        # The refusal rolls back; the family's revocation is what it must keep.
        unit_of_work.keep(
            functools.partial(_revoke_after_reuse, family.id, family.citizen_id)
        )
        raise RefreshTokenReused()
    return _issue_pair(family)


def _revoke_after_reuse(family_id: uuid.UUID, citizen_id: uuid.UUID) -> None:
    revoke_family(family_id, "refresh token reused")
    audit.record(
        "api.refresh", "failure", actor_id=citizen_id, details={"reason": "reuse"}
    )


def act_as(actor: Actor, membership: Membership) -> dict[str, Any]:
    """An access token of the caller's family acting for ``membership``'s org."""
    claims: dict[str, Any] = {
        "fam": str(actor.family_id),
        "acr": actor.acr,
        "auth_time": int(actor.auth_time.timestamp()) if actor.auth_time else None,
        "org": str(membership.organisation_id),
        "role": membership.role.value,
    }
    if actor.dpop_jkt is not None:
        claims["cnf"] = {"jkt": actor.dpop_jkt}
    access = create_access_token(
        identity=str(actor.citizen_id), additional_claims=claims
    )
    audit.record(
        "api.act_as",
        "success",
        actor_id=actor.citizen_id,
        details={"org": claims["org"], "role": claims["role"]},
    )
    return _token_response(access, bound=actor.dpop_jkt is not None)


_CHECKED_FAMILIES = "congdan_checked_token_families"
_REVOKED_AT = sa.select(TokenFamily.__table__.c.revoked_at).where(
    TokenFamily.__table__.c.id == sa.bindparam("family")
)


def _family_revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
    """Refuse any token whose family was revoked (logout, refresh-token reuse).

    Every token the API issues names a family; one without is not ours.
    """
    family_id = payload.get("fam")
    if family_id is None:
        return True
    # Asked once per request however many times the token is checked (auth and the
    # Idempotency-Key's caller both check it); a revocation forgets the answer.
    known: dict[str, bool] = (
        request.environ.setdefault(_CHECKED_FAMILIES, {})
        if has_request_context()
        else {}
    )
    if family_id not in known:
        # Core, not the ORM: this runs on every request and needs one column.
        family = (
            db.session.connection()
            .execute(_REVOKED_AT, {"family": uuid.UUID(family_id)})
            .first()
        )
        known[family_id] = family is None or family.revoked_at is not None
    return known[family_id]


def init_tokens() -> None:
    """Check on every request that the token's family was not revoked."""
    jwt.token_in_blocklist_loader(_family_revoked)
