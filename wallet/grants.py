"""Access tokens to the credential endpoint, and the secrets behind them.

A token is random, given to the wallet once and kept as its SHA-256; it names
the citizen who authorised it and the credentials it may fetch, each once, for
:data:`TOKEN_LIFETIME`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

import sqlalchemy as sa

from app.crypto import derive_key
from app.db import utcnow
from app.extensions import db
from wallet.models import WalletGrant
from wallet.problems import InvalidAccessToken

TOKEN_LIFETIME = timedelta(minutes=5)


def secret() -> str:
    """A fresh secret for a wallet to hold (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """How a secret is kept: its SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def keyed_digest(value: str, purpose: str) -> str:
    """How a short secret (a PIN) is kept: an HMAC under the server's key, so a
    copy of the table does not give it away to a search of every PIN."""
    return hmac.new(derive_key(purpose), value.encode(), hashlib.sha256).hexdigest()


def mint(
    citizen_id: uuid.UUID, credentials: dict[str, str], client_id: str | None
) -> tuple[str, WalletGrant]:
    """A new access token for ``credentials`` (identifier → configuration)."""
    token = secret()
    grant = WalletGrant(
        token_digest=digest(token),
        citizen_id=citizen_id,
        credentials=credentials,
        client_id=client_id,
        expires_at=utcnow() + TOKEN_LIFETIME,
        issued=[],
    )
    db.session.add(grant)
    db.session.flush()
    return token, grant


def holding(authorization: str | None) -> WalletGrant:
    """The grant of the request's ``Authorization: Bearer`` token, locked.

    :raise InvalidAccessToken: none, unknown or expired.
    """
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidAccessToken()
    grant = db.session.scalar(
        sa.select(WalletGrant)
        .where(WalletGrant.token_digest == digest(token.strip()))
        .with_for_update()
    )
    if grant is None or utcnow() >= grant.expires_at:
        raise InvalidAccessToken()
    return grant


def purge_expired() -> int:
    """Delete grants past their life; how many went."""
    deleted = db.session.execute(
        sa.delete(WalletGrant).where(WalletGrant.expires_at <= utcnow())
    )
    return int(deleted.rowcount)  # type: ignore[attr-defined]
