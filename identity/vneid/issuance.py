"""What the provider issues and revokes: tokens by digest, in families.

Every token descending from one authorization shares a family, so a replayed code or
a reused refresh token can revoke all of them at once.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app import audit
from app.db import utcnow
from app.extensions import db
from identity.vneid import backchannel
from identity.vneid.models import (
    AuthorizationCode,
    LoginSession,
    ProviderToken,
    digest,
)

ACCESS_TOKEN_LIFETIME = 600

REFRESH_TOKEN_LIFETIME = timedelta(days=30)

CLIENT_AUTH_METHODS = [
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
    "none",
]


def issuer() -> str:
    """The provider's issuer identifier: ``$BASE_URL/vneid``."""
    return f"{current_app.config['BASE_URL']}/vneid"


def revoke_family(family_id: uuid.UUID, reason: str) -> None:
    """Revoke every token of one authorization (rotation chain)."""
    db.session.execute(
        sa.update(ProviderToken)
        .where(ProviderToken.family_id == family_id, ProviderToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    audit.record(
        "vneid.token.family_revoked",
        "success",
        details={"reason": reason, "family": str(family_id)},
    )


def find_access_token(token_string: str) -> ProviderToken | None:
    """The provider token whose access token this is, if any."""
    return db.session.scalar(
        sa.select(ProviderToken).where(
            ProviderToken.access_digest == digest(token_string)
        )
    )


def save_token(token: dict[str, Any], request: Any) -> None:
    """Store a freshly issued token by digest, in the family of what it came from.

    A token requested with a DPoP proof is bound to its key and says so in its
    ``token_type`` (RFC 9449 §5).
    """
    code: AuthorizationCode | None = getattr(request, "authorization_code", None)
    parent: ProviderToken | None = getattr(request, "refresh_token", None)
    source = code or parent
    if source is None:  # pragma: no cover - only these two grants issue tokens
        raise RuntimeError("token issued outside the code and refresh grants")
    jkt: str | None = getattr(request, "dpop_jkt", None)
    if jkt is not None:
        token["token_type"] = "DPoP"  # noqa: S105 - RFC 9449 token type
    refresh = token.get("refresh_token")
    db.session.add(
        ProviderToken(
            access_digest=digest(token["access_token"]),
            refresh_digest=digest(refresh) if refresh else None,
            client_id=request.client.client_id,
            citizen_id=request.user.id,
            scope=token["scope"],
            claims=list(source.claims),
            userinfo_claims=dict(source.userinfo_claims or {}),
            dpop_jkt=jkt,
            family_id=parent.family_id if parent else uuid.uuid4(),
            code_id=code.id if code else parent.code_id if parent else None,
            session_id=code.session_id
            if code
            else parent.session_id
            if parent
            else None,
            acr=source.acr,
            auth_time=source.auth_time,
            expires_in=token["expires_in"],
            refresh_expires_at=utcnow() + REFRESH_TOKEN_LIFETIME if refresh else None,
        )
    )
    db.session.flush()


def end_login_session(session_id: uuid.UUID) -> None:
    """End a provider session and every grant it produced (logout).

    Every access and refresh token issued from the session is revoked, and each
    client holding them is queued a back-channel logout token, sent by
    :func:`identity.vneid.backchannel.deliver_pending` once this is committed.
    """
    row = db.session.get(LoginSession, session_id)
    if row is None or row.ended_at is not None:
        return
    row.ended_at = utcnow()
    revoked = db.session.execute(
        sa.update(ProviderToken)
        .where(
            ProviderToken.session_id == session_id, ProviderToken.revoked_at.is_(None)
        )
        .values(revoked_at=utcnow())
    )
    audit.record(
        "vneid.logout",
        "success",
        actor_id=row.citizen_id,
        details={
            "sid": str(session_id),
            "tokens_revoked": revoked.rowcount,  # type: ignore[attr-defined]
        },
    )
    backchannel.queue(row, issuer())
