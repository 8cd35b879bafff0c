"""State of the mock VNeID provider: relying parties, login sessions, per-claim
consents, authorization codes and tokens.

Codes and tokens are stored as SHA-256 digests: a copy of the database does not
hand out working credentials. Used codes stay as tombstones so a replay can be
recognised and the tokens it produced revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow
from app.extensions import db
from identity.models import Citizen

#: RFC 7591 ``token_endpoint_auth_method`` values a client is registered with.
SECRET_AUTH = "client_secret_basic"  # noqa: S105 - a method's name, not a secret
KEY_AUTH = "private_key_jwt"
NO_AUTH = "none"


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret (a code, a token, a client secret)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class OAuthClient(Base):
    """A relying party registered with the provider."""

    __tablename__ = "oauth_clients"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    #: SHA-256 of the secret; ``None`` for public clients (PKCE only).
    secret_digest: Mapped[str | None] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    redirect_uris: Mapped[list[str]] = mapped_column(sa.JSON)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    scope: Mapped[str] = mapped_column(sa.String(500))
    grant_types: Mapped[list[str]] = mapped_column(sa.JSON)
    id_token_signed_response_alg: Mapped[str] = mapped_column(
        sa.String(10), default="RS256"
    )
    #: OpenID Connect Back-Channel Logout 1.0 §2.2: where the provider posts a
    #: logout token when a session of this client's user ends.
    backchannel_logout_uri: Mapped[str | None] = mapped_column(sa.String(500))
    backchannel_logout_session_required: Mapped[bool] = mapped_column(default=False)
    #: How the client authenticates (RFC 7591): ``client_secret_basic`` (either
    #: secret method), ``private_key_jwt`` (RFC 7523) or ``none`` (public).
    token_endpoint_auth_method: Mapped[str] = mapped_column(
        sa.String(40), default=SECRET_AUTH
    )
    #: The client's public keys for ``private_key_jwt``: inline, or where to fetch.
    jwks: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    jwks_uri: Mapped[str | None] = mapped_column(sa.String(500))
    #: RFC 9126 §6: this client's authorization requests must be pushed first.
    require_pushed_authorization_requests: Mapped[bool] = mapped_column(default=False)
    #: RFC 9449 §5.2: every token request must carry a DPoP proof.
    dpop_bound_access_tokens: Mapped[bool] = mapped_column(default=False)
    #: OpenID Connect for Identity Assurance: may ask for ``verified_claims``.
    verified_claims_allowed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_public(self) -> bool:
        """Public clients (phones, SPAs) hold no secret and no key."""
        return self.token_endpoint_auth_method == NO_AUTH

    @property
    def rotates_refresh_tokens(self) -> bool:
        """FAPI 2.0 §5.3.2.1: no rotation for key-authenticated clients, whose
        refresh tokens only work with the client's own key; for everyone else a
        refresh token works once (a reuse revokes its family)."""
        return self.token_endpoint_auth_method != KEY_AUTH

    @property
    def client_metadata(self) -> dict[str, Any]:
        """RFC 7591 metadata, as Authlib's logout endpoint reads it."""
        return {
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "backchannel_logout_uri": self.backchannel_logout_uri,
            "backchannel_logout_session_required": (
                self.backchannel_logout_session_required
            ),
        }

    # Authlib's ClientMixin interface.
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        # OpenID Connect requires redirect_uri in every request: no default.
        return None

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.scope.split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string comparison (RFC 9700 §4.1.1): no prefix or pattern matching.
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        if self.secret_digest is None or self.token_endpoint_auth_method != SECRET_AUTH:
            return False
        return hmac.compare_digest(self.secret_digest, digest(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.token_endpoint_auth_method in (NO_AUTH, KEY_AUTH):
            return method == self.token_endpoint_auth_method
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


class LoginSession(Base):
    """A signed-in browser at the provider (the ``sid`` of ID tokens)."""

    __tablename__ = "vneid_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    auth_time: Mapped[datetime]
    acr: Mapped[str] = mapped_column(sa.String(40))
    amr: Mapped[list[str]] = mapped_column(sa.JSON)
    ended_at: Mapped[datetime | None]
    #: A session made by a QR sign-in serves only the client the phone approved;
    #: ``None`` (a password sign-in in this browser) serves every client.
    client_id: Mapped[str | None] = mapped_column(sa.String(100))

    citizen: Mapped[Citizen] = relationship()

    def serves(self, client_id: str) -> bool:
        """Whether this session may sign in to ``client_id`` without a new login."""
        return self.client_id is None or self.client_id == client_id


class ClaimConsent(Base):
    """The claims a citizen agreed to release to one client (history kept)."""

    __tablename__ = "vneid_claim_consents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    client_id: Mapped[str] = mapped_column(sa.String(100))
    #: What the client asked for, and what the citizen agreed to release.
    requested: Mapped[list[str]] = mapped_column(sa.JSON)
    claims: Mapped[list[str]] = mapped_column(sa.JSON)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (
        sa.Index("ix_vneid_claim_consents_citizen_client", "citizen_id", "client_id"),
    )


class AuthorizationCode(Base):
    """An authorization code (by digest), bound to client, redirect URI and PKCE."""

    __tablename__ = "vneid_authorization_codes"

    LIFETIME = timedelta(seconds=60)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[str] = mapped_column(sa.String(100))
    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vneid_sessions.id"))
    redirect_uri: Mapped[str] = mapped_column(sa.String(500))
    scope: Mapped[str] = mapped_column(sa.String(500))
    nonce: Mapped[str] = mapped_column(sa.String(255))
    code_challenge: Mapped[str] = mapped_column(sa.String(128))
    code_challenge_method: Mapped[str] = mapped_column(sa.String(10))
    claims: Mapped[list[str]] = mapped_column(sa.JSON)
    #: What the ``claims`` request parameter asked into the ID token, once
    #: consented: plain claims and ``verified_claims`` (see ``claims_request``).
    id_token_claims: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: The same for userinfo, beyond the scope's claims in ``claims``.
    userinfo_claims: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: RFC 9449 §10: the key (thumbprint) whose proof must redeem this code.
    dpop_jkt: Mapped[str | None] = mapped_column(sa.String(64))
    auth_time: Mapped[datetime]
    acr: Mapped[str] = mapped_column(sa.String(40))
    amr: Mapped[list[str]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    __table_args__ = (
        sa.Index("ix_vneid_authorization_codes_client_nonce", "client_id", "nonce"),
    )

    def is_expired(self) -> bool:
        """Codes live 60 seconds."""
        return utcnow() >= self.created_at + self.LIFETIME

    # Authlib's AuthorizationCodeMixin interface.
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.auth_time.timestamp())

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str]:
        return list(self.amr)


class ProviderToken(Base):
    """An access token and optional refresh token issued by the provider."""

    __tablename__ = "vneid_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    access_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    refresh_digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[str] = mapped_column(sa.String(100))
    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    scope: Mapped[str] = mapped_column(sa.String(500))
    claims: Mapped[list[str]] = mapped_column(sa.JSON)
    #: What the ``claims`` parameter asked into userinfo beyond ``claims``.
    userinfo_claims: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: RFC 9449: the thumbprint of the key the access token is bound to (``cnf.jkt``);
    #: for a public client, the refresh token too.
    dpop_jkt: Mapped[str | None] = mapped_column(sa.String(64))
    #: Every token descending from one authorization shares a family; reuse of a
    #: rotated refresh token or a replayed code revokes the whole family.
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    code_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("vneid_authorization_codes.id"), index=True
    )
    #: The provider session (``sid``) the grant came from: ending the session
    #: (logout) revokes every token of it.
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("vneid_sessions.id"), index=True
    )
    acr: Mapped[str] = mapped_column(sa.String(40))
    auth_time: Mapped[datetime]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_in: Mapped[int]
    refresh_expires_at: Mapped[datetime | None]
    refresh_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    citizen: Mapped[Citizen] = relationship()

    # Authlib's TokenMixin interface.
    def check_client(self, client: OAuthClient) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return utcnow() >= self.issued_at + timedelta(seconds=self.expires_in)

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def get_user(self) -> Citizen:
        return self.citizen

    def get_client(self) -> OAuthClient | None:
        return db.session.scalar(
            sa.select(OAuthClient).where(OAuthClient.client_id == self.client_id)
        )


class PushedRequest(Base):
    """An authorization request pushed by its client (RFC 9126), by ``request_uri``.

    The ``request_uri`` may start one authorization within :attr:`LIFETIME`, in one
    browser; that browser may then take the pages of the login for
    :attr:`FLOW_LIFETIME`, until a code or an error ends it.
    """

    __tablename__ = "vneid_pushed_requests"

    LIFETIME = timedelta(seconds=60)
    FLOW_LIFETIME = timedelta(minutes=10)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    uri_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[str] = mapped_column(sa.String(100))
    parameters: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    #: The key of the DPoP proof (or ``dpop_jkt``) sent with the push.
    dpop_jkt: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When a browser first opened it, and a secret only that browser's session holds.
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    completed_at: Mapped[datetime | None]


class CrossDeviceLogin(Base):
    """A login started in a browser by QR code and approved on the citizen's phone.

    The browser that asked holds it in its session; the phone finds it by its short
    code, sees who asks, and approves with a fresh level-2 login. The browser's next
    step then signs in once (``completed_at``).
    """

    __tablename__ = "vneid_cross_device_logins"

    LIFETIME = timedelta(minutes=2)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[str] = mapped_column(sa.String(100))
    #: The claims the client asks for, shown on the phone before approval.
    claims: Mapped[list[str]] = mapped_column(sa.JSON)
    #: Where and what the asking browser is, as the phone shows it.
    browser_address: Mapped[str | None] = mapped_column(sa.String(64))
    browser_agent: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    approved: Mapped[bool | None]
    citizen_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    #: When the approving phone's own login happened: the sign-in it makes is no
    #: fresher than that (``auth_time``), so step-up cannot renew itself.
    approver_auth_time: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    def is_expired(self) -> bool:
        """Past its two minutes."""
        return utcnow() >= self.expires_at
