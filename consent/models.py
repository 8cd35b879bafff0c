"""Consent requests, artefacts and their history, share codes and access events."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow
from consent.vocabulary import AccessMode, FrequencyUnit
from identity.models import Organisation

REQUEST_LIFETIME = timedelta(days=7)
MAX_ACCESS_WINDOW = timedelta(days=366)


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"


class ArtefactStatus(enum.StrEnum):
    GRANTED = "granted"
    REVOKED = "revoked"
    EXPIRED = "expired"


class GrantorKind(enum.StrEnum):
    SELF = "self"
    GUARDIAN = "guardian"


class Basis(enum.StrEnum):
    SELF = "self"
    GUARDIAN = "guardian"
    ARTEFACT = "artefact"
    EMERGENCY = "emergency"
    #: The citizen handed this data to the organisation in a dossier (once-only reuse).
    DOSSIER = "dossier"
    #: The citizen showed this data from their wallet (OpenID4VP presentation).
    PRESENTATION = "presentation"
    NONE = "none"


class ConsentRequest(Base):
    """An organisation's request to read categories of a citizen's data."""

    __tablename__ = "consent_requests"
    __table_args__ = (
        sa.CheckConstraint("data_from <= data_to", name="period_order"),
        sa.Index("ix_consent_requests_subject_created", "subject_id", "created_at"),
        sa.Index("ix_consent_requests_org_created", "requester_org_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    requester_org_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id")
    )
    requested_by: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("citizens.id"))
    #: ``None`` when the national id asked for matches no one: the request is kept
    #: and answered like any other, so staff cannot probe the register with it.
    subject_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    purpose: Mapped[str] = mapped_column(sa.String(20))
    categories: Mapped[list[str]] = mapped_column(sa.JSON)
    data_from: Mapped[date]
    data_to: Mapped[date]
    valid_until: Mapped[datetime]
    access_mode: Mapped[AccessMode] = mapped_column(str_enum(AccessMode, "access_mode"))
    frequency_limit: Mapped[int | None]
    frequency_unit: Mapped[FrequencyUnit | None] = mapped_column(
        str_enum(FrequencyUnit, "frequency_unit")
    )
    include_sensitive: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, "request_status"), default=RequestStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("citizens.id"))

    requester: Mapped[Organisation] = relationship()

    def is_overdue(self, now: datetime | None = None) -> bool:
        """A pending request past its seven days (expired even before the sweeper runs)."""
        return (
            self.status == RequestStatus.PENDING
            and (now or utcnow()) >= self.expires_at
        )

    @property
    def effective_status(self) -> RequestStatus:
        """The status a reader should see right now."""
        return RequestStatus.EXPIRED if self.is_overdue() else self.status


class ConsentArtefact(Base):
    """What an approval (or a redeemed share code) grants one organisation."""

    __tablename__ = "consent_artefacts"
    __table_args__ = (
        sa.CheckConstraint("data_from <= data_to", name="period_order"),
        sa.Index(
            "ix_consent_artefacts_subject_grantee", "subject_id", "grantee_org_id"
        ),
        sa.Index(
            "ix_consent_artefacts_grantee_created", "grantee_org_id", "created_at"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("consent_requests.id")
    )
    share_code_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("share_codes.id")
    )
    subject_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    grantor_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("citizens.id"))
    grantor_kind: Mapped[GrantorKind] = mapped_column(
        str_enum(GrantorKind, "grantor_kind")
    )
    grantee_org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organisations.id"))
    purpose: Mapped[str] = mapped_column(sa.String(20))
    categories: Mapped[list[str]] = mapped_column(sa.JSON)
    data_from: Mapped[date]
    data_to: Mapped[date]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    access_mode: Mapped[AccessMode] = mapped_column(str_enum(AccessMode, "access_mode"))
    frequency_limit: Mapped[int | None]
    frequency_unit: Mapped[FrequencyUnit | None] = mapped_column(
        str_enum(FrequencyUnit, "frequency_unit")
    )
    include_sensitive: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ArtefactStatus] = mapped_column(
        str_enum(ArtefactStatus, "artefact_status"), default=ArtefactStatus.GRANTED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    #: Compact JWS over the artefact as granted (see ``consent.signing``).
    jws: Mapped[str] = mapped_column(sa.Text, default="")

    grantee: Mapped[Organisation] = relationship()
    history: Mapped[list[ConsentStatusChange]] = relationship(
        back_populates="artefact", order_by="ConsentStatusChange.at"
    )

    def is_live(self, at: datetime) -> bool:
        """Granted, not revoked, and ``at`` inside the access window."""
        return (
            self.status == ArtefactStatus.GRANTED
            and self.valid_from <= at < self.valid_until
        )

    @property
    def effective_status(self) -> ArtefactStatus:
        """The status a reader should see right now (expiry before the sweeper runs)."""
        if self.status == ArtefactStatus.GRANTED and utcnow() >= self.valid_until:
            return ArtefactStatus.EXPIRED
        return self.status


class ConsentStatusChange(Base):
    """One step in an artefact's life: granted, revoked, expired (append-only)."""

    __tablename__ = "consent_status_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    artefact_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("consent_artefacts.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ArtefactStatus] = mapped_column(
        str_enum(ArtefactStatus, "artefact_status")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("citizens.id"))
    reason: Mapped[str | None] = mapped_column(sa.String(500))

    artefact: Mapped[ConsentArtefact] = relationship(back_populates="history")


class ShareCode(Base):
    """A short-lived code a citizen shows at a counter; one redemption at most."""

    __tablename__ = "share_codes"

    LIFETIME = timedelta(minutes=10)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    created_by: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("citizens.id"))
    grantor_kind: Mapped[GrantorKind] = mapped_column(
        str_enum(GrantorKind, "grantor_kind")
    )
    categories: Mapped[list[str]] = mapped_column(sa.JSON)
    access_hours: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]
    redeemed_by_org_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("organisations.id")
    )


class AccessEvent(Base):
    """One cross-party read of a citizen's data, or one refused attempt."""

    __tablename__ = "access_events"
    __table_args__ = (sa.Index("ix_access_events_subject_at", "subject_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    subject_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    actor_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("citizens.id"))
    org_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("organisations.id"))
    category: Mapped[str] = mapped_column(sa.String(30))
    action: Mapped[str] = mapped_column(sa.String(20))
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "access_basis"))
    artefact_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("consent_artefacts.id"), index=True
    )
    outcome: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str | None] = mapped_column(sa.String(50))
    request_id: Mapped[str | None] = mapped_column(sa.String(64))

    organisation: Mapped[Organisation | None] = relationship()


class EmergencyAccess(Base):
    """A doctor's break-glass access to a patient's emergency summary, time-boxed."""

    __tablename__ = "emergency_accesses"
    __table_args__ = (
        sa.Index("ix_emergency_accesses_subject_org", "subject_id", "org_id"),
        sa.Index("ix_emergency_accesses_org_opened", "org_id", "opened_at"),
    )

    WINDOW = timedelta(minutes=30)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    subject_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organisations.id"))
    actor_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("citizens.id"))
    reason: Mapped[str] = mapped_column(sa.String(500))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("citizens.id"))
    review_note: Mapped[str | None] = mapped_column(sa.String(500))
