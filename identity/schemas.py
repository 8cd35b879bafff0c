"""Marshmallow schemas of the population register."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from app.date_fields import Date
from app.fields import Code, Text, WholeNumber
from app.pagination import PageArgsSchema
from identity import national_id
from identity.models import OrganisationKind, Role, Sector, Sex

_PHONE = re.compile(r"^(?:\+84|84|0)([35789][0-9]{8})$")
PHONE_ERROR = "Not a valid Vietnamese phone number."


def normalise_phone(raw: str) -> str:
    """Return a Vietnamese mobile number in E.164 (``+84…``), or raise."""
    match = _PHONE.match(re.sub(r"[\s.-]", "", raw))
    if not match:
        raise ma.ValidationError(PHONE_ERROR)
    return f"+84{match.group(1)}"


class MembershipSchema(ma.Schema):
    """A role the citizen holds in an organisation."""

    organisation_id = fields.UUID(dump_only=True)
    organisation_name = fields.String(
        dump_only=True, attribute="organisation.name", metadata={"example": "THCS"}
    )
    organisation_kind = fields.Enum(
        OrganisationKind, by_value=True, dump_only=True, attribute="organisation.kind"
    )
    role = fields.Enum(Role, by_value=True, dump_only=True)


class CitizenSchema(ma.Schema):
    """The signed-in citizen's own entry in the population register."""

    id = fields.UUID(dump_only=True)
    national_id = fields.String(dump_only=True)
    full_name = fields.String(dump_only=True)
    birth_date = fields.Date(dump_only=True)
    sex = fields.Enum(Sex, by_value=True, dump_only=True)
    address = fields.String(dump_only=True)
    phone = fields.String(dump_only=True, allow_none=True)
    loa = WholeNumber(
        dump_only=True, metadata={"description": "Level of assurance: 1 or 2"}
    )
    memberships = fields.List(
        fields.Nested(MembershipSchema), dump_only=True, attribute="active_memberships"
    )


class CitizenRegistrationSchema(ma.Schema):
    """A person as the register records them; validates the national id's structure."""

    national_id = Code(
        required=True, metadata={"example": "074095000101", "description": "CCCD"}
    )
    full_name = Text(required=True, validate=validate.Length(min=1, max=200))
    birth_date = Date(required=True, past=True)
    sex = fields.Enum(Sex, by_value=True, required=True)
    address = Text(required=True, validate=validate.Length(min=1, max=500))
    phone = Code(load_default=None, allow_none=True)
    loa = WholeNumber(load_default=1, validate=validate.OneOf([1, 2]))

    @ma.validates("national_id")
    def _national_id_format(self, value: str, **_: Any) -> None:
        errors = national_id.format_errors(value)
        if errors:
            raise ma.ValidationError(errors)

    @ma.validates("phone")
    def _phone_format(self, value: str | None, **_: Any) -> None:
        if value:
            normalise_phone(value)

    @ma.validates_schema(skip_on_field_errors=True)
    def _national_id_matches_person(self, data: dict[str, Any], **_: Any) -> None:
        errors = national_id.consistency_errors(
            data["national_id"], data["birth_date"], data["sex"].value
        )
        if errors:
            raise ma.ValidationError(errors, field_name="national_id")

    @ma.post_load
    def _normalise_phone(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data.get("phone"):
            data["phone"] = normalise_phone(data["phone"])
        return data


class WardSchema(ma.Schema):
    """A child the signed-in citizen acts for (until the child turns 14)."""

    id = fields.UUID(dump_only=True)
    full_name = fields.String(dump_only=True)
    birth_date = fields.Date(dump_only=True)
    sex = fields.Enum(Sex, by_value=True, dump_only=True)
    guardianship_ends_on = fields.Date(
        dump_only=True, metadata={"description": "The child's 14th birthday"}
    )


class OrganisationSchema(ma.Schema):
    """A clinic, school, agency or the operations centre."""

    id = fields.UUID(dump_only=True)
    code = fields.String(dump_only=True, metadata={"description": "Official code"})
    name = fields.String(dump_only=True)
    name_en = fields.String(dump_only=True, allow_none=True)
    kind = fields.Enum(OrganisationKind, by_value=True, dump_only=True)
    sector = fields.Enum(Sector, by_value=True, dump_only=True)
    address = fields.String(dump_only=True)


class OrganisationQueryArgsSchema(PageArgsSchema):
    """Filters of the organisation registry."""

    kind = fields.Enum(OrganisationKind, by_value=True, load_default=None)
    sector = fields.Enum(Sector, by_value=True, load_default=None)


class CitizenViewArgsSchema(ma.Schema):
    """How much identity data to read: ``basic`` or ``full`` (a separate consent)."""

    view = Code(load_default="basic", validate=validate.OneOf(["basic", "full"]))


class CitizenIdentitySchema(ma.Schema):
    """A citizen's identity data as another party may read it under consent.

    ``basic`` is name, birth date and sex; ``full`` adds the national id, address
    and phone.
    """

    id = fields.UUID(required=True)
    full_name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    sex = fields.Enum(Sex, by_value=True, required=True)
    national_id = fields.String()
    address = fields.String()
    phone = fields.String(allow_none=True)
