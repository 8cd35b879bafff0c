"""Transcripts (học bạ số), the register of classes and enrolments they rest on, the
schools' signing keys and their status lists."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, str_enum, utcnow
from identity.models import Citizen, Organisation

#: 16 KB of bits: the minimum the Bitstring Status List spec asks for herd privacy.
STATUS_LIST_BITS = 131_072


class TranscriptStatus(enum.StrEnum):
    DRAFT = "draft"
    HOMEROOM_SIGNED = "homeroom_signed"
    PUBLISHED = "published"
    REVOKED = "revoked"


class StatusPurpose(enum.StrEnum):
    REVOCATION = "revocation"
    SUSPENSION = "suspension"


#: Transcripts in force: at most one per pupil, school year and school.
_PUBLISHED = sa.text("status = 'published'")
#: Transcripts on their way (a draft, or one the homeroom teacher has signed).
_PENDING = sa.text("status IN ('draft', 'homeroom_signed')")
_ACTIVE = sa.text("withdrawn_at IS NULL")


def school_year_end(school_year: str) -> date:
    """The last day of a school year such as ``2025-2026``.

    The Ministry's calendars end every school year by 31 May; consent periods
    apply to a transcript on that date, as they apply to a health record on its
    ``record_date``.
    """
    return date(int(school_year[-4:]), 5, 31)


def results_known_from(school_year: str) -> date:
    """The first day a school year's whole-year results can be signed.

    The Ministry's yearly calendars end the second semester in May (before 25 May)
    and the year by 31 May; the year's results, conduct and promotion decision
    are settled then, so a transcript of the year is signed from 1 May of its last
    calendar year, never while the year is still running or before it starts.
    """
    return date(int(school_year[-4:]), 5, 1)


def _record_date(context: Any) -> date:
    return school_year_end(context.get_current_parameters()["school_year"])


class Transcript(TimestampMixin, Base):
    """One pupil's record for one school year at one school."""

    __tablename__ = "transcripts"
    __table_args__ = (
        sa.CheckConstraint("grade BETWEEN 1 AND 12", name="grade"),
        sa.UniqueConstraint("school_id", "status_list_index"),
        sa.Index("ix_transcripts_pupil_year", "pupil_id", "school_year"),
        sa.Index("ix_transcripts_school_created", "school_id", "created_at"),
        # A correction is pending while the transcript it replaces is in force;
        # publishing it revokes the old one first, so neither index ever holds two.
        sa.Index(
            "uq_transcripts_published",
            "pupil_id",
            "school_id",
            "school_year",
            unique=True,
            sqlite_where=_PUBLISHED,
            postgresql_where=_PUBLISHED,
        ),
        sa.Index(
            "uq_transcripts_pending",
            "pupil_id",
            "school_id",
            "school_year",
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    pupil_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    school_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organisations.id"))
    school_year: Mapped[str] = mapped_column(sa.String(9))
    #: The end of the school year: the date consent periods are checked against.
    record_date: Mapped[date] = mapped_column(default=_record_date)
    grade: Mapped[int] = mapped_column(sa.SmallInteger)
    class_name: Mapped[str] = mapped_column(sa.String(20))
    regulation: Mapped[str] = mapped_column(sa.String(30))
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[TranscriptStatus] = mapped_column(
        str_enum(TranscriptStatus, "transcript_status"), default=TranscriptStatus.DRAFT
    )
    suspended: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("citizens.id"))
    homeroom_teacher_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("citizens.id")
    )
    homeroom_signed_at: Mapped[datetime | None]
    #: The homeroom teacher's compact JWS over the transcript's subject data.
    homeroom_proof: Mapped[str | None] = mapped_column(sa.Text)
    principal_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("citizens.id"))
    published_at: Mapped[datetime | None]
    status_list_index: Mapped[int | None]
    #: The W3C Verifiable Credential, secured as a JWT (``vc+jwt``).
    credential: Mapped[str | None] = mapped_column(sa.Text)
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(sa.String(500))
    suspension_reason: Mapped[str | None] = mapped_column(sa.String(500))
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("transcripts.id")
    )

    pupil: Mapped[Citizen] = relationship(foreign_keys=[pupil_id])
    school: Mapped[Organisation] = relationship()
    homeroom_teacher: Mapped[Citizen | None] = relationship(
        foreign_keys=[homeroom_teacher_id]
    )


class SchoolLevels(Base):
    """The grades a school teaches (THCS 6–9, THPT 10–12, …), as the education
    department registers it; a school cannot widen them itself."""

    __tablename__ = "school_levels"
    __table_args__ = (
        sa.CheckConstraint("first_grade BETWEEN 1 AND 12", name="first_grade"),
        sa.CheckConstraint("last_grade BETWEEN first_grade AND 12", name="last_grade"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    first_grade: Mapped[int] = mapped_column(sa.SmallInteger)
    last_grade: Mapped[int] = mapped_column(sa.SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def teaches(self, grade: int) -> bool:
        """Whether ``grade`` is one of the school's."""
        return self.first_grade <= grade <= self.last_grade


class SchoolClass(TimestampMixin, Base):
    """A class of a school in one school year: its grade and homeroom teacher."""

    __tablename__ = "school_classes"
    __table_args__ = (
        sa.CheckConstraint("grade BETWEEN 1 AND 12", name="grade"),
        sa.UniqueConstraint("school_id", "school_year", "name"),
        # What an enrolment's (class, school, year) refers to: its copies of the
        # school and year, which its one-class-a-year index needs, cannot drift.
        sa.UniqueConstraint("id", "school_id", "school_year"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    school_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organisations.id"))
    school_year: Mapped[str] = mapped_column(sa.String(9))
    name: Mapped[str] = mapped_column(sa.String(20))
    grade: Mapped[int] = mapped_column(sa.SmallInteger)
    homeroom_teacher_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("citizens.id"))

    homeroom_teacher: Mapped[Citizen] = relationship()


class Enrolment(Base):
    """A pupil in a class: at most one class a school year, anywhere, until withdrawn."""

    __tablename__ = "enrolments"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["class_id", "school_id", "school_year"],
            [
                "school_classes.id",
                "school_classes.school_id",
                "school_classes.school_year",
            ],
        ),
        sa.Index("ix_enrolments_class_id", "class_id"),
        sa.Index(
            "uq_enrolments_pupil_year",
            "pupil_id",
            "school_year",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    class_id: Mapped[uuid.UUID]
    school_id: Mapped[uuid.UUID]
    school_year: Mapped[str] = mapped_column(sa.String(9))
    pupil_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    enrolled_by: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("citizens.id"))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.String(500))

    school_class: Mapped[SchoolClass] = relationship()
    pupil: Mapped[Citizen] = relationship(foreign_keys=[pupil_id])


class SchoolKey(Base):
    """An ES256 key of a school (``holder_id`` empty) or of one of its teachers.

    It signs from ``created_at`` until ``retired_at``; once withdrawn, whatever it
    signed from ``withdrawn_since`` on is refused (it was compromised).
    """

    __tablename__ = "school_keys"
    # One active key per school and per teacher: concurrent first uses create one.
    __table_args__ = (
        # A withdrawn key never signs again.
        sa.CheckConstraint(
            "withdrawn_since IS NULL OR retired_at IS NOT NULL",
            name="withdrawn_is_retired",
        ),
        sa.Index(
            "uq_school_keys_active_school",
            "school_id",
            unique=True,
            sqlite_where=sa.text("holder_id IS NULL AND retired_at IS NULL"),
            postgresql_where=sa.text("holder_id IS NULL AND retired_at IS NULL"),
        ),
        sa.Index(
            "uq_school_keys_active_holder",
            "school_id",
            "holder_id",
            unique=True,
            sqlite_where=sa.text("holder_id IS NOT NULL AND retired_at IS NULL"),
            postgresql_where=sa.text("holder_id IS NOT NULL AND retired_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    school_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    holder_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("citizens.id"))
    kid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    private_jwk_encrypted: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    withdrawn_since: Mapped[datetime | None]


class StatusList(Base):
    """A school's Bitstring Status List for one purpose (revocation or suspension)."""

    __tablename__ = "status_lists"
    __table_args__ = (sa.UniqueConstraint("school_id", "purpose"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    school_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organisations.id"))
    purpose: Mapped[StatusPurpose] = mapped_column(
        str_enum(StatusPurpose, "status_purpose")
    )
    bits: Mapped[bytes] = mapped_column(sa.LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
