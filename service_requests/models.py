"""The one-stop shop: procedures, dossiers, their documents, history, pauses, ratings.

A dossier's status is a code of the national list (1–10). Its history is
append-only (the database refuses UPDATE and DELETE on it); deadlines and the
overdue flag are derived from the dates stored here, never stored themselves.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, str_enum, utcnow
from identity.models import Citizen, Organisation


class DossierStatus(enum.IntEnum):
    """The national status codes of a dossier (Cổng Dịch vụ công quốc gia)."""

    SUBMITTED = 1  # Mới đăng ký
    RECEIVED = 2  # Được tiếp nhận
    NOT_RECEIVED = 3  # Không được tiếp nhận
    PROCESSING = 4  # Đang xử lý
    SUPPLEMENT_REQUESTED = 5  # Yêu cầu bổ sung giấy tờ
    FEE_REQUESTED = 6  # Yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7  # Công dân yêu cầu rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    PROCESSED = 9  # Đã xử lý xong
    RESULT_RETURNED = 10  # Đã trả kết quả


TERMINAL = frozenset(
    {
        DossierStatus.NOT_RECEIVED,
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
        DossierStatus.RESULT_RETURNED,
    }
)


class StatusCode(sa.TypeDecorator[DossierStatus]):
    """A status code stored as its national number, read back as the enum."""

    impl = sa.SmallInteger
    cache_ok = True

    def process_bind_param(
        self, value: DossierStatus | int | None, dialect: sa.Dialect
    ) -> int | None:
        return None if value is None else int(value)

    def process_result_value(
        self, value: int | None, dialect: sa.Dialect
    ) -> DossierStatus | None:
        return None if value is None else DossierStatus(value)


class OnlineLevel(enum.StrEnum):
    FULL = "full"  # dịch vụ công trực tuyến toàn trình
    PARTIAL = "partial"  # một phần


class DocumentSource(enum.StrEnum):
    UPLOAD = "upload"
    IDENTITY = "identity"
    TRANSCRIPT = "transcript"
    IMMUNIZATIONS = "immunizations"


class PauseReason(enum.StrEnum):
    SUPPLEMENT = "supplement"
    FEE = "fee"


class FeeStatus(enum.StrEnum):
    PENDING = "pending"  # Chờ thanh toán
    PAID = "paid"  # Đã thanh toán
    CANCELLED = "cancelled"  # Hủy thanh toán
    REFUNDED = "refunded"  # Hoàn phí


class Delivery(enum.StrEnum):
    ONLINE = "online"
    COUNTER = "counter"
    POST = "post"  # public postal service (BCCI)


class Procedure(TimestampMixin, Base):
    """An administrative procedure of the national database, as this province runs it.

    ``fields`` are Open311 attributes (code, datatype, required, names, values);
    ``documents`` the dossier's components, each with the sources that may supply
    it: an upload, or data the citizen already has in digital form.
    """

    __tablename__ = "procedures"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text)
    description_en: Mapped[str] = mapped_column(sa.Text)
    sector: Mapped[str] = mapped_column(sa.String(100))
    sector_en: Mapped[str] = mapped_column(sa.String(100))
    agency_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    deadline_working_days: Mapped[int] = mapped_column(sa.SmallInteger)
    fee_vnd: Mapped[int] = mapped_column(default=0)
    online_level: Mapped[OnlineLevel] = mapped_column(
        str_enum(OnlineLevel, "online_level")
    )
    fields: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    documents: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    keywords: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    agency: Mapped[Organisation] = relationship()


class ReceiptCounter(Base):
    """The last receipt sequence number an agency gave out on one (Vietnam) day."""

    __tablename__ = "receipt_counters"

    agency_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    last: Mapped[int]


class Dossier(TimestampMixin, Base):
    """A citizen's application under one procedure (hồ sơ)."""

    __tablename__ = "dossiers"
    __table_args__ = (
        sa.CheckConstraint("status BETWEEN 1 AND 10", name="status"),
        sa.Index("ix_dossiers_applicant_created", "applicant_id", "created_at"),
        sa.Index("ix_dossiers_agency_status", "agency_id", "status", "created_at"),
        sa.Index("ix_dossiers_submitted_at", "submitted_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    receipt_code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    procedure_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("procedures.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organisations.id"))
    applicant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    form_data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[DossierStatus] = mapped_column(
        StatusCode(), default=DossierStatus.SUBMITTED
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The working day the clock starts (the submission's, or the next one).
    clock_start: Mapped[date]
    #: Closing time of the statutory due day: clock start plus the working days.
    statutory_due_at: Mapped[datetime]
    #: The statutory due moment moved by every finished pause (Decision 766's target).
    target_due_at: Mapped[datetime]
    #: The one new appointment an apology letter may give (Mẫu 04).
    apology_due_at: Mapped[datetime | None]
    apology_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    #: What the citizen is promised now: the apology's date, else the target.
    due_at: Mapped[datetime] = mapped_column(index=True)
    #: Set while the clock stands still (supplement or fee requested).
    paused_at: Mapped[datetime | None]
    paused_working_days: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    received_at: Mapped[datetime | None]
    supplement_requests: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    supplement_checklist: Mapped[list[str] | None] = mapped_column(sa.JSON)
    supplement_submitted_at: Mapped[datetime | None]
    fee_vnd: Mapped[int | None]
    fee_status: Mapped[FeeStatus | None] = mapped_column(
        str_enum(FeeStatus, "fee_status")
    )
    #: When processing ended: at 9, else 10, else 8 (for the on-time index).
    finished_at: Mapped[datetime | None]
    #: Decision 766's verdict, given once when processing ends
    #: (:func:`service_requests.deadlines.is_on_time`); nothing it depends on
    #: changes afterwards, and every figure reads it rather than re-deriving it.
    on_time: Mapped[bool | None]
    result: Mapped[str | None] = mapped_column(sa.String(1000))
    delivery: Mapped[Delivery | None] = mapped_column(str_enum(Delivery, "delivery"))
    postal_tracking: Mapped[str | None] = mapped_column(sa.String(40))
    returned_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: Where it is about, when the applicant said (Open311 asks for a location):
    #: WGS 84 degrees, an address as written, or an address id of the register.
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    address: Mapped[str | None] = mapped_column(sa.String(500))
    address_id: Mapped[str | None] = mapped_column(sa.String(100))

    procedure: Mapped[Procedure] = relationship()
    agency: Mapped[Organisation] = relationship()
    applicant: Mapped[Citizen] = relationship()
    documents: Mapped[list[DossierDocument]] = relationship(
        back_populates="dossier", order_by="DossierDocument.added_at"
    )
    events: Mapped[list[DossierEvent]] = relationship(
        back_populates="dossier", order_by="DossierEvent.seq"
    )
    pauses: Mapped[list[DossierPause]] = relationship(
        back_populates="dossier", order_by="DossierPause.started_at"
    )
    rating: Mapped[DossierRating | None] = relationship(back_populates="dossier")


class Upload(Base):
    """A file a citizen uploaded, checked by content, kept in the database.

    It is attached to at most one dossier; unattached uploads are purged after a day.
    Never served from a guessable URL: only through its dossier, to its parties.
    """

    __tablename__ = "uploads"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))
    media_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attached_at: Mapped[datetime | None]


class DossierDocument(Base):
    """One component of a dossier: an upload, or a reference to digitised data."""

    __tablename__ = "dossier_documents"
    __table_args__ = (
        sa.CheckConstraint(
            "(upload_id IS NULL) <> (reference_id IS NULL)", name="one_source"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(60))
    source: Mapped[DocumentSource] = mapped_column(
        str_enum(DocumentSource, "document_source")
    )
    upload_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("uploads.id"))
    #: The digitised record reused (once-only): a citizen (identity, immunizations)
    #: or a transcript.
    reference_id: Mapped[uuid.UUID | None]
    #: Whose data the reference is: the applicant or a child in their care.
    subject_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("citizens.id"))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    in_supplement: Mapped[bool] = mapped_column(default=False)

    dossier: Mapped[Dossier] = relationship(back_populates="documents")
    upload: Mapped[Upload | None] = relationship()


class DossierEvent(Base):
    """One line of a dossier's history (append-only): who moved it, from what, to what."""

    __tablename__ = "dossier_events"
    __table_args__ = (sa.UniqueConstraint("dossier_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("dossiers.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(sa.SmallInteger)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("citizens.id"))
    org_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("organisations.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    from_status: Mapped[int | None] = mapped_column(sa.SmallInteger)
    to_status: Mapped[int] = mapped_column(sa.SmallInteger)
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    dossier: Mapped[Dossier] = relationship(back_populates="events")


class DossierPause(Base):
    """A stretch when the clock stood still: the citizen owed documents or a fee."""

    __tablename__ = "dossier_pauses"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[PauseReason] = mapped_column(str_enum(PauseReason, "pause_reason"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    dossier: Mapped[Dossier] = relationship(back_populates="pauses")


class DossierRating(Base):
    """The applicant's one rating of a returned dossier (Decree 61/2018's 9 indices)."""

    __tablename__ = "dossier_ratings"
    __table_args__ = (sa.Index("ix_dossier_ratings_created_at", "created_at"),)

    dossier_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True
    )
    scores: Mapped[dict[str, int]] = mapped_column(sa.JSON)
    comment: Mapped[str | None] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="rating")


class CountedMonth(Base):
    """A closed month whose units are counted and kept (``stats_rollup.py``)."""

    __tablename__ = "stats_counted_months"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    counted_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The province's consent and transcript activity in the month, by kind (the
    #: operations centre's dashboard): counts of moments that never change.
    activity: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)


class MonthUnit(Base):
    """One agency's closed month as it stood at its close: what the statistics show."""

    __tablename__ = "stats_month_units"

    agency_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    counted: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class Open311Application(Base):
    """An application registered to file requests over Open311, by its api_key.

    Only a digest of the key is kept: the key is shown once, when it is issued
    (``flask open311 issue-key``).
    """

    __tablename__ = "open311_applications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(sa.String(200))
    key_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
