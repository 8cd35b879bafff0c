"""Request and response bodies of the health book."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from app.date_fields import Date, DateTime
from app.fields import (
    Boolean,
    Code,
    DecimalString,
    Text,
    WholeNumber,
    between,
)
from app.pagination import PageArgsSchema
from health_book import coding
from health_book.models import (
    AllergyCategory,
    ClinicalStatus,
    Criticality,
    EncounterClass,
    MedicationStatus,
    ObservationCategory,
    Programme,
)

_TEXT = validate.Length(min=1, max=500)
#: What the Numeric(12, 4) columns of observations hold.
_MEASURE = between("-99999999.9999", "99999999.9999")


def _icd10(value: str) -> None:
    if not coding.is_icd10(value):
        raise ma.ValidationError(coding.ICD10_ERROR)


def _snomed(value: str | None) -> None:
    if value is not None and not coding.is_snomed_id(value):
        raise ma.ValidationError(coding.SNOMED_ERROR)


def _cvx(value: str) -> None:
    if not coding.is_cvx(value):
        raise ma.ValidationError(coding.CVX_ERROR)


class RecordSchema(ma.Schema):
    """What every record says about itself."""

    id = fields.UUID(dump_only=True)
    citizen_id = fields.UUID(dump_only=True)
    clinic_id = fields.UUID(dump_only=True)
    author_id = fields.UUID(dump_only=True)
    record_date = Date(required=True)
    created_at = fields.DateTime(dump_only=True)
    supersedes_id = fields.UUID(dump_only=True, allow_none=True)
    superseded_at = fields.DateTime(dump_only=True, allow_none=True)
    hidden = fields.Function(
        lambda r: r.hidden_at is not None, dump_only=True, metadata={"type": "boolean"}
    )
    sensitive = Boolean(load_default=False)
    correction_reason = fields.String(dump_only=True, allow_none=True)


class ProfileSchema(RecordSchema):
    """Blood group, height, weight and the BHYT card (normalised to 10 digits)."""

    blood_group = Code(
        load_default=None, allow_none=True, validate=validate.OneOf(coding.BLOOD_GROUPS)
    )
    height_cm = DecimalString(
        load_default=None, allow_none=True, validate=between("20", "260")
    )
    weight_kg = DecimalString(
        load_default=None, allow_none=True, validate=between("0.5", "400")
    )
    bhyt_number = Code(
        load_default=None,
        allow_none=True,
        metadata={"description": "15-character card code or 10-digit number"},
    )
    bhyt_valid_from = Date(load_default=None, allow_none=True)
    bhyt_valid_to = Date(load_default=None, allow_none=True)
    primary_care_facility = Text(
        load_default=None, allow_none=True, validate=validate.Length(max=255)
    )

    @ma.validates("bhyt_number")
    def _bhyt(self, value: str | None, **_: Any) -> None:
        if value:
            try:
                coding.normalise_bhyt(value)
            except ValueError as error:
                raise ma.ValidationError(str(error)) from error

    @ma.post_load
    def _normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data.get("bhyt_number"):
            data["bhyt_number"] = coding.normalise_bhyt(data["bhyt_number"])
        return data


class AllergySchema(RecordSchema):
    """An allergy or intolerance."""

    substance = Text(required=True, validate=validate.Length(min=1, max=255))
    category = fields.Enum(AllergyCategory, by_value=True, required=True)
    criticality = fields.Enum(Criticality, by_value=True, required=True)
    reaction = Text(
        load_default=None,
        allow_none=True,
        multiline=True,
        validate=validate.Length(max=500),
    )
    substance_code = Code(
        load_default=None,
        allow_none=True,
        validate=_snomed,
        metadata={
            "description": "SNOMED CT concept of the substance (IPS allergy codes).",
            "example": "44027008",
        },
    )
    reaction_code = Code(
        load_default=None,
        allow_none=True,
        validate=_snomed,
        metadata={
            "description": "SNOMED CT concept of the reaction's manifestation.",
            "example": "126485001",
        },
    )


class ConditionSchema(RecordSchema):
    """A diagnosis, coded in ICD-10."""

    icd10_code = Code(required=True, validate=_icd10, metadata={"example": "I10"})
    description = Text(required=True, validate=_TEXT)
    clinical_status = fields.Enum(ClinicalStatus, by_value=True, required=True)


class ImmunizationSchema(RecordSchema):
    """A vaccine dose (``record_date`` is the day it was given)."""

    vaccine_code = Code(
        required=True,
        validate=_cvx,
        metadata={"description": "CVX vaccine code", "example": "19"},
    )
    vaccine_name = Text(required=True, validate=validate.Length(min=1, max=255))
    dose_number = WholeNumber(required=True, validate=validate.Range(min=1, max=20))
    lot_number = Code(
        load_default=None, allow_none=True, validate=validate.Length(max=50)
    )
    programme = fields.Enum(Programme, by_value=True, required=True)


class EncounterSchema(RecordSchema):
    """A visit or stay (``record_date`` is the admission day)."""

    encounter_class = fields.Enum(EncounterClass, by_value=True, required=True)
    admitted_at = DateTime(required=True)
    discharged_at = DateTime(load_default=None, allow_none=True)
    reason = Text(required=True, multiline=True, validate=_TEXT)
    diagnosis_code = Code(load_default=None, allow_none=True, validate=_icd10)
    diagnosis_text = Text(
        load_default=None,
        allow_none=True,
        multiline=True,
        validate=validate.Length(max=500),
    )
    treatment_summary = Text(
        load_default=None,
        allow_none=True,
        multiline=True,
        validate=validate.Length(max=10000),
    )
    follow_up = Text(
        load_default=None,
        allow_none=True,
        multiline=True,
        validate=validate.Length(max=500),
    )

    @ma.validates_schema(skip_on_field_errors=True)
    def _discharge_after_admission(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("discharged_at") and data["discharged_at"] < data["admitted_at"]:
            raise ma.ValidationError(
                "Discharge cannot come before admission.", field_name="discharged_at"
            )


class MedicationSchema(RecordSchema):
    """A prescription line."""

    medication = Text(required=True, validate=validate.Length(min=1, max=255))
    atc_code = Code(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$"),
    )
    dosage = Text(required=True, multiline=True, validate=_TEXT)
    quantity = Text(
        load_default=None, allow_none=True, validate=validate.Length(max=50)
    )
    duration_days = WholeNumber(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=3650)
    )
    status = fields.Enum(MedicationStatus, by_value=True, required=True)


class ObservationSchema(RecordSchema):
    """A vital sign or laboratory result in a UCUM unit, with its reference range."""

    category = fields.Enum(ObservationCategory, by_value=True, required=True)
    loinc_code = Code(
        required=True,
        validate=validate.Regexp(r"^[0-9]{1,7}-[0-9]$"),
        metadata={"example": "718-7"},
    )
    name = Text(required=True, validate=validate.Length(min=1, max=255))
    value = DecimalString(required=True, validate=_MEASURE)
    unit = Code(
        required=True,
        validate=validate.OneOf(sorted(coding.UCUM_UNITS), error=coding.UCUM_ERROR),
    )
    reference_low = DecimalString(load_default=None, allow_none=True, validate=_MEASURE)
    reference_high = DecimalString(
        load_default=None, allow_none=True, validate=_MEASURE
    )
    effective_at = DateTime(required=True)

    @ma.validates_schema(skip_on_field_errors=True)
    def _range_order(self, data: dict[str, Any], **_: Any) -> None:
        low, high = data.get("reference_low"), data.get("reference_high")
        if low is not None and high is not None and low > high:
            raise ma.ValidationError(
                "The reference range is inverted.", field_name="reference_high"
            )


def correction_schema(schema: type[RecordSchema]) -> type[RecordSchema]:
    """The record's schema plus the (required) reason for the correction."""
    name = schema.__name__.removesuffix("Schema") + "CorrectionSchema"
    return type(
        name,
        (schema,),
        {
            "correction_reason": Text(required=True, multiline=True, validate=_TEXT),
            "__doc__": f"A corrected {schema.__name__.removesuffix('Schema').lower()} and why.",
        },
    )


class RecordQueryArgsSchema(PageArgsSchema):
    """Filter records by date (inclusive)."""

    date_from = Date(load_default=None, data_key="from")
    date_to = Date(load_default=None, data_key="to")

    @ma.validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if (
            data.get("date_from")
            and data.get("date_to")
            and data["date_from"] > data["date_to"]
        ):
            raise ma.ValidationError(
                "The period must not end before it starts.", field_name="to"
            )


class SectionSchema(ma.Schema):
    """The latest records of one category."""

    items = fields.List(fields.Dict(), required=True)
    more = fields.Boolean(
        required=True, metadata={"description": "Older records exist"}
    )


class SummarySchema(ma.Schema):
    """The health book at a glance: only the categories the caller may read."""

    subject_id = fields.UUID(required=True)
    profile = fields.Dict(allow_none=True)
    sections = fields.Dict(
        keys=fields.String(), values=fields.Nested(SectionSchema), required=True
    )


class EmergencySummarySchema(ma.Schema):
    """What an emergency team needs first."""

    subject_id = fields.UUID(required=True)
    blood_group = Code(allow_none=True)
    allergies = fields.List(fields.Nested(AllergySchema), required=True)
    active_conditions = fields.List(fields.Nested(ConditionSchema), required=True)
    current_medications = fields.List(fields.Nested(MedicationSchema), required=True)
    immunizations = fields.List(fields.Nested(ImmunizationSchema), required=True)
