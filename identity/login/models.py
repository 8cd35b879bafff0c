"""State of the API's login: pending VNeID logins, linked identities, token families."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class LoginState(Base):
    """A login the phone started: its nonce, and the phone's PKCE challenge.

    The verifier stays on the phone: only who started the login can finish it.
    """

    __tablename__ = "login_states"

    state: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64))
    #: The phone's S256 ``code_challenge``, also sent to the provider.
    code_challenge: Mapped[str] = mapped_column(sa.String(128))
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
    #: The provider session (``sid``) of the login: a back-channel logout naming
    #: it revokes this family.
    provider_sid: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    #: The provider's ID token of the login, the ``id_token_hint`` with which the
    #: API's logout ends the provider session (it grants no access by itself).
    provider_id_token: Mapped[str | None] = mapped_column(sa.Text)
    #: RFC 9449: the thumbprint of the phone's key every token of the family is
    #: bound to (``cnf.jkt``); ``None`` for a bearer login (API_BEARER_TOKENS_ALLOWED).
    dpop_jkt: Mapped[str | None] = mapped_column(sa.String(64))
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


class LogoutTokenUse(Base):
    """A back-channel logout token already acted on (by ``jti``): never twice."""

    __tablename__ = "logout_token_uses"

    issuer: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    jti: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    #: Past this the token's own ``exp`` refuses it; the row may then be dropped.
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
