"""What the issuer and the verifier keep: offers, authorizations, wallet access
tokens and presentation requests. Every secret a wallet holds (a pre-authorized
code, a transaction code, an authorization code, an access token, a page's view
key) is kept only as a digest."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class CredentialOffer(Base):
    """A pre-authorized offer of one credential, made by a citizen in the app.

    The wallet redeems ``pre-authorized_code`` once, with the transaction code
    (PIN) the app showed; five wrong PINs spend the offer.
    """

    __tablename__ = "wallet_offers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The code itself, encrypted: the offer object the wallet fetches holds it.
    code_encrypted: Mapped[str] = mapped_column(sa.Text)
    tx_code_digest: Mapped[str] = mapped_column(sa.String(64))
    configuration_id: Mapped[str] = mapped_column(sa.String(40))
    #: Which credential: ``<configuration>:<record id>`` (see wallet.subjects).
    credential_identifier: Mapped[str] = mapped_column(sa.String(80))
    #: Who made the offer (the pupil's guardian, or the citizen themself).
    created_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]
    failed_attempts: Mapped[int] = mapped_column(default=0)


class WalletAuthorization(Base):
    """One authorization-code issuance: the wallet's pushed request, the
    citizen's VNeID login it waits for, and the code it ends with."""

    __tablename__ = "wallet_authorizations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    #: The ``request_uri``'s secret part, then the VNeID login's ``state``.
    request_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[str] = mapped_column(sa.String(100))
    redirect_uri: Mapped[str] = mapped_column(sa.String(2048))
    code_challenge: Mapped[str] = mapped_column(sa.String(128))
    configuration_ids: Mapped[list[str]] = mapped_column(sa.JSON)
    #: The wallet's ``state``, returned with the code.
    state: Mapped[str | None] = mapped_column(sa.String(512))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Until when the ``request_uri`` may be used, then the login, then the code.
    expires_at: Mapped[datetime]
    #: Set once the browser has come with the ``request_uri`` (single use).
    login_state: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: Our PKCE verifier towards VNeID, encrypted.
    login_verifier: Mapped[str | None] = mapped_column(sa.Text)
    citizen_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    code_digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    redeemed_at: Mapped[datetime | None]


class WalletGrant(Base):
    """An access token to the credential endpoint: for whom, and which credentials."""

    __tablename__ = "wallet_grants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The citizen whose login or offer authorised it.
    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    #: ``credential_identifier`` → its configuration, each issuable once.
    credentials: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    #: Whether the wallet named itself (authorization code) or not (an offer).
    client_id: Mapped[str | None] = mapped_column(sa.String(100))
    #: The thumbprint of the wallet's DPoP key, when the token is bound to one.
    dpop_jkt: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    issued: Mapped[list[str]] = mapped_column(sa.JSON, default=list)


class IssuedCredential(Base):
    """Whom a credential this service issued is about, by the digest of its
    signed part: a presentation of it to a verifier here is logged for them."""

    __tablename__ = "wallet_issued"

    credential_digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    configuration_id: Mapped[str] = mapped_column(sa.String(40))
    #: Who received it: the subject, or their guardian then (whose copy is good
    #: only while the register still records the guardianship).
    holder_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When it can no longer be presented (``None``: a transcript, for life).
    expires_at: Mapped[datetime | None] = mapped_column(index=True)


class PresentationRequest(Base):
    """A verifier's request for credentials (OpenID4VP, DCQL) and its outcome."""

    __tablename__ = "verifier_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("citizens.id"))
    purpose: Mapped[str] = mapped_column(sa.String(300))
    dcql_query: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: The verifier's own tests of disclosed values (``minimum``), never sent.
    checks: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    nonce: Mapped[str] = mapped_column(sa.String(64))
    state: Mapped[str] = mapped_column(sa.String(64), unique=True)
    view_key_digest: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    #: ``verified``, ``rejected`` or ``refused`` (the wallet said no).
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
