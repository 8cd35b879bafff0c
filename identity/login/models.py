"""State of the API's login: pending VNeID logins, linked identities, token families."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class LoginState(Base):
    """A login the phone started: the PKCE verifier and nonce the API keeps for it."""

    __tablename__ = "login_states"

    state: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64))
    code_verifier: Mapped[str] = mapped_column(sa.String(128))
    redirect_uri: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    used_at: Mapped[datetime | None]


class ExternalIdentity(Base):
    """The provider's (pairwise) subject for a citizen, linked at first login."""

    __tablename__ = "external_identities"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    issuer: Mapped[str] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(255))
    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TokenFamily(Base):
    """Every API token descending from one login; revoking it kills them all."""

    __tablename__ = "token_families"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    acr: Mapped[str] = mapped_column(sa.String(40))
    auth_time: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(100))


class RefreshToken(Base):
    """One refresh token (by ``jti``); it may be used exactly once."""

    __tablename__ = "refresh_tokens"

    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    family_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("token_families.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
