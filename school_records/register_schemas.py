"""Request and response bodies of the school register, and the school-year field."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import marshmallow as ma
from marshmallow import fields, validate

from app.date_fields import Date
from app.fields import Code, Text, Uuid, WholeNumber
from app.pagination import PageArgsSchema

#: The register and transcripts start with the school year 2000-2001.
FIRST_SCHOOL_YEAR: Final = 2000
_VIETNAM: Final = ZoneInfo("Asia/Ho_Chi_Minh")
_SCHOOL_YEAR: Final = re.compile(r"([0-9]{4})-([0-9]{4})")
SCHOOL_YEAR_ERROR: Final = "A school year spans two consecutive years, e.g. 2025-2026."


def validate_school_year(value: str) -> None:
    """``YYYY-YYYY+1``, from 2000-2001 up to the one starting this calendar year."""
    match = _SCHOOL_YEAR.fullmatch(value)
    if match is None or int(match[2]) != int(match[1]) + 1:
        raise ma.ValidationError(SCHOOL_YEAR_ERROR)
    latest = datetime.now(_VIETNAM).year
    if not FIRST_SCHOOL_YEAR <= int(match[1]) <= latest:
        raise ma.ValidationError(
            f"School years run from {FIRST_SCHOOL_YEAR}-{FIRST_SCHOOL_YEAR + 1} to {latest}-{latest + 1}."
        )


def school_year_field(**kwargs: Any) -> Code:
    """A school year such as ``2025-2026``, checked by :func:`validate_school_year`."""
    return Code(
        validate=validate_school_year,
        metadata={"example": "2025-2026", "pattern": r"^[0-9]{4}-[0-9]{4}$"},
        **kwargs,
    )


class SchoolLevelsSchema(ma.Schema):
    """The grades a school is registered for."""

    school_id = fields.UUID()
    first_grade = fields.Integer()
    last_grade = fields.Integer()


class SchoolClassCreateSchema(ma.Schema):
    """A new class: its year, name, grade and homeroom teacher."""

    school_year = school_year_field(required=True)
    name = Code(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"example": "6A1"},
    )
    grade = WholeNumber(required=True, validate=validate.Range(min=1, max=12))
    homeroom_teacher_id = Uuid(
        required=True, metadata={"description": "A teacher of the school"}
    )


class SchoolClassUpdateSchema(ma.Schema):
    """A class's new homeroom teacher."""

    homeroom_teacher_id = Uuid(required=True)


class SchoolClassSchema(ma.Schema):
    """A class of a school year."""

    id = fields.UUID()
    school_id = fields.UUID()
    school_year = fields.String()
    name = fields.String()
    grade = fields.Integer()
    homeroom_teacher_id = fields.UUID()
    homeroom_teacher_name = fields.String(attribute="homeroom_teacher.full_name")
    created_at = fields.DateTime()


class SchoolClassQueryArgsSchema(PageArgsSchema):
    """Filter a school's classes by school year."""

    school_year = school_year_field(load_default=None)


class EnrolmentCreateSchema(ma.Schema):
    """The pupil, as the family's papers give them: all three must match the register."""

    national_id = Code(
        required=True,
        validate=validate.Regexp(r"^[0-9]{12}$"),
        metadata={"example": "000000000000"},
    )
    full_name = Text(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"example": "Trần Minh Khôi"},
    )
    birth_date = Date(required=True, past=True)


class EnrolmentSchema(ma.Schema):
    """A pupil in a class."""

    id = fields.UUID()
    class_id = fields.UUID()
    school_year = fields.String()
    pupil_id = fields.UUID()
    pupil_name = fields.String(attribute="pupil.full_name")
    enrolled_at = fields.DateTime()
    withdrawn_at = fields.DateTime(allow_none=True)
    withdrawal_reason = fields.String(allow_none=True)
