"""The electronic health book: discrete, versioned records written by clinics.

Every record names the clinic and the staff member who wrote it. Records are never
edited in place: a correction is a new row that ``supersedes`` the old one, which
stays, marked ``superseded_at``, in the history. The citizen may hide a record from
everyone but themselves. ``record_date`` is the date that consent periods and date
filters apply to.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.db import Base, str_enum, utcnow


class RecordMixin:
    """Columns every health record has."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    record_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    #: HIV, mental health, substance use, genetics: shown only when a consent names them.
    sensitive: Mapped[bool] = mapped_column(default=False)
    correction_reason: Mapped[str | None] = mapped_column(sa.String(500))

    @declared_attr
    def citizen_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(sa.ForeignKey("citizens.id", ondelete="CASCADE"))

    @declared_attr
    def clinic_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(sa.ForeignKey("organisations.id"))

    @declared_attr
    def author_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(sa.ForeignKey("citizens.id"))

    @declared_attr
    def supersedes_id(cls) -> Mapped[uuid.UUID | None]:  # noqa: N805
        return mapped_column(sa.ForeignKey(f"{cls.__tablename__}.id"))  # type: ignore[attr-defined]

    @declared_attr.directive
    def __table_args__(cls) -> tuple[sa.Index, ...]:  # noqa: N805
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (sa.Index(f"ix_{name}_citizen_date", "citizen_id", "record_date"),)


class AllergyCategory(enum.StrEnum):
    FOOD = "food"
    MEDICATION = "medication"
    ENVIRONMENT = "environment"
    BIOLOGIC = "biologic"


class Criticality(enum.StrEnum):
    LOW = "low"
    HIGH = "high"
    UNABLE_TO_ASSESS = "unable-to-assess"


class ClinicalStatus(enum.StrEnum):
    ACTIVE = "active"
    RECURRENCE = "recurrence"
    RELAPSE = "relapse"
    INACTIVE = "inactive"
    REMISSION = "remission"
    RESOLVED = "resolved"


class Programme(enum.StrEnum):
    EXPANDED = "expanded"  # Tiêm chủng mở rộng (EPI)
    OTHER = "other"


class EncounterClass(enum.StrEnum):
    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"
    REMOTE = "remote"


class MedicationStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    STOPPED = "stopped"


class ObservationCategory(enum.StrEnum):
    VITAL_SIGNS = "vital-signs"
    LABORATORY = "laboratory"


class HealthProfile(RecordMixin, Base):
    """Blood group, height, weight and the health-insurance (BHYT) card."""

    __tablename__ = "health_profiles"

    blood_group: Mapped[str | None] = mapped_column(sa.String(3))
    height_cm: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 1))
    weight_kg: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 1))
    #: The 10-digit social-insurance number, whichever card format was entered.
    bhyt_number: Mapped[str | None] = mapped_column(sa.String(10))
    bhyt_valid_from: Mapped[date | None]
    bhyt_valid_to: Mapped[date | None]
    primary_care_facility: Mapped[str | None] = mapped_column(sa.String(255))


class Allergy(RecordMixin, Base):
    """An allergy or intolerance (FHIR AllergyIntolerance)."""

    __tablename__ = "allergies"

    substance: Mapped[str] = mapped_column(sa.String(255))
    category: Mapped[AllergyCategory] = mapped_column(
        str_enum(AllergyCategory, "allergy_category")
    )
    criticality: Mapped[Criticality] = mapped_column(
        str_enum(Criticality, "criticality")
    )
    reaction: Mapped[str | None] = mapped_column(sa.String(500))
    #: SNOMED CT concept of the substance and of the reaction, when the clinic
    #: coded them (the text above is what a person reads either way).
    substance_code: Mapped[str | None] = mapped_column(sa.String(18))
    reaction_code: Mapped[str | None] = mapped_column(sa.String(18))


class Condition(RecordMixin, Base):
    """A diagnosis or problem, coded in ICD-10 (FHIR Condition)."""

    __tablename__ = "conditions"

    icd10_code: Mapped[str] = mapped_column(sa.String(10))
    description: Mapped[str] = mapped_column(sa.String(500))
    clinical_status: Mapped[ClinicalStatus] = mapped_column(
        str_enum(ClinicalStatus, "clinical_status")
    )


class Immunization(RecordMixin, Base):
    """A vaccine dose given (FHIR Immunization); ``record_date`` is when."""

    __tablename__ = "immunizations"

    vaccine_code: Mapped[str] = mapped_column(sa.String(20))
    vaccine_name: Mapped[str] = mapped_column(sa.String(255))
    dose_number: Mapped[int]
    lot_number: Mapped[str | None] = mapped_column(sa.String(50))
    programme: Mapped[Programme] = mapped_column(
        str_enum(Programme, "immunization_programme")
    )


class Encounter(RecordMixin, Base):
    """A visit or stay (FHIR Encounter); ``record_date`` is the admission day."""

    __tablename__ = "encounters"

    encounter_class: Mapped[EncounterClass] = mapped_column(
        str_enum(EncounterClass, "encounter_class")
    )
    admitted_at: Mapped[datetime]
    discharged_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(sa.String(500))
    diagnosis_code: Mapped[str | None] = mapped_column(sa.String(10))
    diagnosis_text: Mapped[str | None] = mapped_column(sa.String(500))
    treatment_summary: Mapped[str | None] = mapped_column(sa.Text)
    follow_up: Mapped[str | None] = mapped_column(sa.String(500))


class MedicationRequest(RecordMixin, Base):
    """A prescription line (FHIR MedicationRequest); ``record_date`` is when written."""

    __tablename__ = "medication_requests"

    medication: Mapped[str] = mapped_column(sa.String(255))
    atc_code: Mapped[str | None] = mapped_column(sa.String(10))
    dosage: Mapped[str] = mapped_column(sa.String(500))
    quantity: Mapped[str | None] = mapped_column(sa.String(50))
    duration_days: Mapped[int | None]
    status: Mapped[MedicationStatus] = mapped_column(
        str_enum(MedicationStatus, "medication_status")
    )


class Observation(RecordMixin, Base):
    """A vital sign or laboratory result, in UCUM units (FHIR Observation)."""

    __tablename__ = "observations"

    category: Mapped[ObservationCategory] = mapped_column(
        str_enum(ObservationCategory, "observation_category")
    )
    loinc_code: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(255))
    value: Mapped[Decimal] = mapped_column(sa.Numeric(12, 4))
    unit: Mapped[str] = mapped_column(sa.String(20))
    reference_low: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 4))
    reference_high: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 4))
    effective_at: Mapped[datetime]


class BookVersion(Base):
    """A token that changes with every write to a citizen's health book.

    Set on each flush that adds, changes or removes one of the citizen's records
    (``health_book/book_versions.py``), in the same transaction; what was built
    from the book (the citizen's own summary) is served again while it is unchanged.
    A random token, not a counter: two writers never need to agree on a number.
    """

    __tablename__ = "health_book_versions"

    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(sa.String(32))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
