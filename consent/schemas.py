"""Request and response bodies of consent."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from app.auth import current_actor
from app.date_fields import Date, DateTime
from app.fields import Boolean, Code, QueryFlag, Text, Uuid, WholeNumber
from app.pagination import PageArgsSchema
from consent.models import (
    ArtefactStatus,
    Basis,
    ConsentRequest,
    GrantorKind,
    RequestStatus,
)
from consent.vocabulary import PURPOSES, AccessMode, Category, FrequencyUnit

_CATEGORY = fields.Enum(Category, by_value=True)


class ConsentRequestCreateSchema(ma.Schema):
    """What an organisation asks a citizen for."""

    subject_id = Uuid(load_default=None, metadata={"description": "Citizen id"})
    national_id = Code(
        load_default=None,
        validate=validate.Regexp(r"^[0-9]{12}$"),
        metadata={"description": "Instead of subject_id: looked up and logged"},
    )
    purpose = Code(required=True, validate=validate.OneOf(sorted(PURPOSES)))
    categories = fields.List(
        Code(validate=validate.OneOf([c.value for c in Category])),
        required=True,
        validate=validate.Length(min=1, max=len(Category)),
    )
    data_from = Date(required=True)
    data_to = Date(required=True)
    valid_until = DateTime(required=True)
    access_mode = fields.Enum(AccessMode, by_value=True, required=True)
    frequency_limit = WholeNumber(
        load_default=None, validate=validate.Range(min=1, max=1000)
    )
    frequency_unit = fields.Enum(FrequencyUnit, by_value=True, load_default=None)
    include_sensitive = Boolean(load_default=False)
    note = Text(load_default=None, multiline=True, validate=validate.Length(max=500))

    @ma.validates_schema
    def _one_subject(self, data: dict[str, object], **_: object) -> None:
        if bool(data.get("subject_id")) == bool(data.get("national_id")):
            raise ma.ValidationError(
                "Give exactly one of subject_id and national_id.",
                field_name="subject_id",
            )


class ConsentRequestSchema(ma.Schema):
    """A consent request and where it stands."""

    id = fields.UUID()
    requester_org_id = fields.UUID()
    requester_name = fields.String(attribute="requester.name")
    subject_id = fields.Method(
        "_subject_for_viewer",
        allow_none=True,
        metadata={
            "type": "string",
            "format": "uuid",
            "nullable": True,
            "description": "The citizen asked (or the child, for a guardian); always "
            "null for the requesting organisation, which learns it only from the "
            "artefact if she consents",
        },
    )
    purpose = fields.String()
    categories = fields.List(fields.String())
    data_from = fields.Date()
    data_to = fields.Date()
    valid_until = fields.DateTime()
    access_mode = fields.Enum(AccessMode, by_value=True)
    frequency_limit = WholeNumber(allow_none=True)
    frequency_unit = fields.Enum(FrequencyUnit, by_value=True, allow_none=True)
    include_sensitive = fields.Boolean()
    note = fields.String(allow_none=True)
    status = fields.Enum(RequestStatus, by_value=True, attribute="effective_status")
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)

    def _subject_for_viewer(self, request: ConsentRequest) -> str | None:
        if request.subject_id is None or current_actor().org_id is not None:
            return None
        return str(request.subject_id)


class ConsentRequestQueryArgsSchema(PageArgsSchema):
    """Filter requests by status."""

    status = fields.Enum(RequestStatus, by_value=True, load_default=None)


class ApprovalSchema(ma.Schema):
    """Optional narrowing: fewer categories, a shorter period or window."""

    categories = fields.List(
        Code(validate=validate.OneOf([c.value for c in Category])),
        load_default=None,
        validate=validate.Length(max=len(Category)),
    )
    data_from = Date(load_default=None)
    data_to = Date(load_default=None)
    valid_until = DateTime(load_default=None)


class StatusChangeSchema(ma.Schema):
    """One step of an artefact's history."""

    status = fields.Enum(ArtefactStatus, by_value=True)
    at = fields.DateTime()
    actor_id = fields.UUID(allow_none=True)
    reason = fields.String(allow_none=True)


class ArtefactSchema(ma.Schema):
    """A consent artefact: what one organisation may read, and until when."""

    id = fields.UUID()
    request_id = fields.UUID(allow_none=True)
    subject_id = fields.UUID()
    grantor_id = fields.UUID()
    grantor_kind = fields.Enum(GrantorKind, by_value=True)
    grantee_org_id = fields.UUID()
    grantee_name = fields.String(attribute="grantee.name")
    purpose = fields.String()
    categories = fields.List(fields.String())
    data_from = fields.Date()
    data_to = fields.Date()
    valid_from = fields.DateTime()
    valid_until = fields.DateTime()
    access_mode = fields.Enum(AccessMode, by_value=True)
    frequency_limit = WholeNumber(allow_none=True)
    frequency_unit = fields.Enum(FrequencyUnit, by_value=True, allow_none=True)
    include_sensitive = fields.Boolean()
    status = fields.Enum(ArtefactStatus, by_value=True, attribute="effective_status")
    history = fields.List(fields.Nested(StatusChangeSchema))


class ArtefactQueryArgsSchema(PageArgsSchema):
    """Filter artefacts by status."""

    status = fields.Enum(ArtefactStatus, by_value=True, load_default=None)


class RevocationSchema(ma.Schema):
    """Why the consent ends (optional)."""

    reason = Text(load_default=None, multiline=True, validate=validate.Length(max=500))


class ArtefactJwsSchema(ma.Schema):
    """The signed artefact and where to find the keys that verify it."""

    jws = fields.String(required=True)
    jwks_uri = fields.String(required=True)


class ShareCodeCreateSchema(ma.Schema):
    """What to share, for whom (me or a child I act for), and for how long."""

    categories = fields.List(
        Code(validate=validate.OneOf([c.value for c in Category])),
        required=True,
        validate=validate.Length(min=1, max=len(Category)),
    )
    subject_id = Uuid(load_default=None)
    access_hours = WholeNumber(load_default=24, validate=validate.Range(min=1, max=720))


class ShareCodeSchema(ma.Schema):
    """A code to show at the counter (valid 10 minutes, usable once)."""

    code = fields.String(required=True)
    expires_at = fields.DateTime(attribute="share_code.expires_at")
    categories = fields.List(fields.String(), attribute="share_code.categories")
    qr_svg = fields.String(required=True)
    qr_png = fields.String(required=True)


class AccessEventSchema(ma.Schema):
    """Who read (or tried to read) what, when, and on what basis."""

    id = fields.UUID()
    at = fields.DateTime()
    actor_id = fields.UUID()
    org_id = fields.UUID(allow_none=True)
    org_name = fields.String(attribute="organisation.name", allow_none=True)
    category = fields.String()
    action = fields.String()
    basis = fields.Enum(Basis, by_value=True)
    artefact_id = fields.UUID(allow_none=True)
    outcome = fields.String()
    reason = fields.String(allow_none=True)


class EmergencyRequestSchema(ma.Schema):
    """Why the doctor needs emergency access."""

    reason = Text(
        required=True, multiline=True, validate=validate.Length(min=10, max=500)
    )


class EmergencyAccessSchema(ma.Schema):
    """An emergency-access window and its review."""

    id = fields.UUID()
    subject_id = fields.UUID()
    org_id = fields.UUID()
    actor_id = fields.UUID()
    reason = fields.String()
    opened_at = fields.DateTime()
    expires_at = fields.DateTime()
    reviewed_at = fields.DateTime(allow_none=True)
    reviewed_by = fields.UUID(allow_none=True)
    review_note = fields.String(allow_none=True)


class EmergencyQueryArgsSchema(PageArgsSchema):
    """Only those not yet reviewed, if asked."""

    unreviewed = QueryFlag(load_default=False)


class ReviewSchema(ma.Schema):
    """The reviewer's finding."""

    note = Text(required=True, multiline=True, validate=validate.Length(min=1, max=500))
