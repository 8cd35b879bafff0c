"""Request and response bodies of uploads and dossiers: filing, moves, rating,
lists and reading. The catalogue's are in :mod:`service_requests.procedure_schemas`,
the statistics' in :mod:`service_requests.stats_schemas`."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from app.auth import current_actor
from app.date_fields import Date
from app.db import utcnow
from app.fields import Code, FreeForm, QueryFlag, Text, Uuid, WholeNumber
from app.pagination import PageArgsSchema
from service_requests import deadlines, policies, tracking, uploads
from service_requests.models import (
    Delivery,
    DocumentSource,
    Dossier,
    DossierStatus,
    FeeStatus,
)
from service_requests.ratings import RATING_INDICES
from service_requests.texts import STATUS_NAMES
from service_requests.workflow import Party

REFERENCE_KINDS = [
    source.value for source in DocumentSource if source.value != "upload"
]
SCORE_ERROR = "Each index is scored 0, 1 or 2."
ALL_INDICES_ERROR = "Every one of the nine indices needs a score."
#: The largest fee an agency asks, in đồng.
MAX_FEE = 10_000_000_000
#: A form: a few dozen Open311 attributes, each a value or a list of choices.
FORM_BOUNDS: dict[str, int] = {"max_keys": 50, "max_depth": 2, "max_bytes": 64 * 1024}


# Requests ---------------------------------------------------------------------


class ReferenceSchema(ma.Schema):
    """Digitised data reused instead of a copy (once-only)."""

    kind = Code(required=True, validate=validate.OneOf(REFERENCE_KINDS))
    id = Uuid(
        required=True,
        metadata={
            "description": "A citizen id (identity, immunizations: yourself or a "
            "child in your care) or a published transcript's id"
        },
    )


class DocumentItemSchema(ma.Schema):
    """One component of the dossier: an upload of yours, or a reference."""

    code = Code(required=True, validate=validate.Length(min=1, max=60))
    upload_id = Uuid(load_default=None)
    reference = fields.Nested(ReferenceSchema, load_default=None)


class DossierCreateSchema(ma.Schema):
    """A new dossier: the procedure, its form and its documents."""

    procedure_code = Code(required=True, validate=validate.Length(max=40))
    form = FreeForm(
        **FORM_BOUNDS,
        load_default=dict,
        metadata={"description": "field code -> value"},
    )
    documents = fields.List(
        fields.Nested(DocumentItemSchema),
        load_default=list,
        validate=validate.Length(max=30),
    )


class SupplementSchema(ma.Schema):
    """What the applicant sends when a supplement was asked for."""

    form = FreeForm(**FORM_BOUNDS, load_default=dict)
    documents = fields.List(
        fields.Nested(DocumentItemSchema),
        load_default=list,
        validate=validate.Length(max=30),
    )
    note = Text(load_default=None, multiline=True, validate=validate.Length(max=1000))


class TransitionSchema(ma.Schema):
    """A status move: the target, and what that move needs."""

    to = WholeNumber(required=True, validate=validate.Range(min=1, max=10))
    reason = Text(
        load_default=None,
        multiline=True,
        validate=validate.Length(max=1000),
        metadata={
            "description": "Required for 3 (refusal), 5 (supplement) and 8 (stop)"
        },
    )
    checklist = fields.List(
        Text(validate=validate.Length(min=1, max=300)),
        load_default=None,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "For 5: everything to supplement, all at once"},
    )
    fee_vnd = WholeNumber(
        load_default=None,
        validate=validate.Range(min=1, max=MAX_FEE),
        metadata={"description": "For 6: the amount due, in đồng"},
    )
    result = Text(
        load_default=None,
        multiline=True,
        validate=validate.Length(max=1000),
        metadata={"description": "For 9: the decision or document issued"},
    )
    delivery = fields.Enum(Delivery, by_value=True, load_default=None)
    postal_tracking = Code(load_default=None, validate=validate.Length(max=40))


class PaymentSchema(ma.Schema):
    """The payment gateway's confirmation (mock): the amount paid."""

    amount = WholeNumber(required=True, validate=validate.Range(min=0, max=MAX_FEE))


class ApologySchema(ma.Schema):
    """The apology letter (Mẫu 04): why, and the new date."""

    reason = Text(
        required=True, multiline=True, validate=validate.Length(min=3, max=1000)
    )
    new_due_date = Date(required=True)


class RatingSchema(ma.Schema):
    """The nine indices of Decree 61/2018, each 0 (not satisfied) to 2 (very)."""

    scores = fields.Dict(
        keys=Code(validate=validate.OneOf(RATING_INDICES)),
        values=WholeNumber(validate=validate.Range(min=0, max=2, error=SCORE_ERROR)),
        required=True,
    )
    comment = Text(
        load_default=None, multiline=True, validate=validate.Length(max=2000)
    )

    @ma.validates("scores")
    def _all_nine(self, scores: dict[str, int], **_kwargs: Any) -> None:
        if set(scores) != set(RATING_INDICES):
            raise ma.ValidationError(ALL_INDICES_ERROR)


class OwnDossierArgsSchema(PageArgsSchema):
    """Filters of a citizen's own list."""

    status = WholeNumber(
        load_default=None,
        validate=validate.Range(min=1, max=10),
        metadata={
            "description": "Only dossiers in this status of the national list: "
            + "; ".join(
                f"{code.value} {STATUS_NAMES[code][1]}" for code in DossierStatus
            )
            + ".",
            "enum": [code.value for code in DossierStatus],
        },
    )


class QueueArgsSchema(OwnDossierArgsSchema):
    """Filters of an agency's queue."""

    overdue = QueryFlag(load_default=None)
    procedure = Code(load_default=None, validate=validate.Length(max=40))


class UploadFormSchema(ma.Schema):
    """A multipart upload: one file, its content checked as it is read."""

    file = Upload(required=True)

    @ma.post_load
    def _checked(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        file = data["file"]
        with file.stream:  # large parts are spooled to a temporary file
            content = file.read(uploads.MAX_BYTES + 1)
        return {"file": uploads.check(file.filename, content)}


# Responses --------------------------------------------------------------------


class UploadSchema(ma.Schema):
    """A checked upload, ready to attach."""

    id = fields.UUID()
    filename = fields.String()
    media_type = fields.String()
    size = WholeNumber()
    sha256 = fields.String()
    created_at = fields.DateTime()


class DossierDocumentSchema(ma.Schema):
    """A document of a dossier: an upload, or digitised data reused (once-only)."""

    id = fields.UUID()
    code = fields.String()
    source = fields.Enum(DocumentSource, by_value=True)
    reference_id = fields.UUID(allow_none=True)
    subject_id = fields.UUID(allow_none=True)
    filename = fields.String(attribute="upload.filename", allow_none=True)
    media_type = fields.String(attribute="upload.media_type", allow_none=True)
    size = WholeNumber(attribute="upload.size", allow_none=True)
    sha256 = fields.String()
    in_supplement = fields.Boolean()
    added_at = fields.DateTime()


class DossierEventSchema(ma.Schema):
    """One move of a dossier on the national status list, by whom and when."""

    seq = WholeNumber()
    at = fields.DateTime()
    action = fields.String()
    from_status = WholeNumber(allow_none=True)
    to_status = WholeNumber()
    note = fields.String(allow_none=True)
    details = fields.Dict(allow_none=True)
    actor_id = fields.UUID()
    org_id = fields.UUID(allow_none=True)


class RatingOutSchema(ma.Schema):
    """The applicant's rating of a returned dossier on Decree 61's nine indices."""

    scores = fields.Dict(keys=fields.String(), values=WholeNumber())
    comment = fields.String(allow_none=True)
    created_at = fields.DateTime()


def _status_name(dossier: Dossier, language: int) -> str:
    return STATUS_NAMES[dossier.status][language]


def _overdue(dossier: Dossier) -> bool:
    """Late, as derived now (never for refused or withdrawn dossiers)."""
    if dossier.status in (DossierStatus.NOT_RECEIVED, DossierStatus.WITHDRAWN):
        return False
    return deadlines.is_overdue(
        dossier.due_at,
        utcnow(),
        paused_at=dossier.paused_at,
        finished_at=dossier.finished_at,
    )


class DossierSchema(ma.Schema):
    """A dossier with its derived deadline figures and its history."""

    id = fields.UUID()
    receipt_code = fields.String()
    tracking_url = fields.Function(
        tracking.tracking_url,
        metadata={
            "type": "string",
            "description": "The public tracking page its receipt's QR code opens "
            "(status and dates, nothing personal): to share with whoever follows it",
        },
    )
    procedure_code = fields.String(attribute="procedure.code")
    procedure_name = fields.String(attribute="procedure.name")
    procedure_name_en = fields.String(attribute="procedure.name_en")
    agency_id = fields.UUID()
    agency_name = fields.String(attribute="agency.name")
    applicant_id = fields.UUID()
    status = fields.Function(lambda d: int(d.status), metadata={"type": "integer"})
    status_name = fields.Function(
        lambda d: _status_name(d, 0), metadata={"type": "string"}
    )
    status_name_en = fields.Function(
        lambda d: _status_name(d, 1), metadata={"type": "string"}
    )
    form = fields.Dict(attribute="form_data")
    documents = fields.List(fields.Nested(DossierDocumentSchema))
    submitted_at = fields.DateTime()
    received_at = fields.DateTime(allow_none=True)
    clock_start = fields.Date()
    statutory_due_date = fields.Function(
        lambda d: deadlines.due_day(d.statutory_due_at).isoformat(),
        metadata={"type": "string", "format": "date"},
    )
    due_date = fields.Function(
        lambda d: deadlines.due_day(d.due_at).isoformat(),
        metadata={"type": "string", "format": "date", "description": "As promised now"},
    )
    due_at = fields.DateTime()
    overdue = fields.Function(_overdue, metadata={"type": "boolean"})
    paused = fields.Function(
        lambda d: d.paused_at is not None, metadata={"type": "boolean"}
    )
    supplement_requests = WholeNumber()
    supplement_checklist = fields.List(fields.String(), allow_none=True)
    supplement_submitted_at = fields.DateTime(allow_none=True)
    fee_vnd = WholeNumber(allow_none=True)
    fee_status = fields.Enum(FeeStatus, by_value=True, allow_none=True)
    apology_due_date = fields.Function(
        lambda d: (
            deadlines.due_day(d.apology_due_at).isoformat()
            if d.apology_due_at
            else None
        ),
        metadata={"type": "string", "format": "date", "nullable": True},
    )
    apology_reason = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    delivery = fields.Enum(Delivery, by_value=True, allow_none=True)
    postal_tracking = fields.String(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)
    on_time = fields.Boolean(
        allow_none=True,
        metadata={"description": "Decision 766's verdict, once processing ended"},
    )
    rating = fields.Nested(
        RatingOutSchema,
        allow_none=True,
        metadata={"description": "Shown to the applicant only"},
    )
    history = fields.List(fields.Nested(DossierEventSchema), attribute="events")

    @ma.post_dump(pass_original=True)
    def _rating_for_the_applicant(
        self, data: dict[str, Any], dossier: Dossier, **_kwargs: Any
    ) -> dict[str, Any]:
        # Officers see ratings only aggregated, in the statistics (k or more).
        if policies.party_of(current_actor(), dossier) != Party.APPLICANT:
            data["rating"] = None
        return data


class DossierSummarySchema(ma.Schema):
    """A line of a list: enough to find the dossier and see where it stands."""

    id = fields.UUID()
    receipt_code = fields.String()
    procedure_code = fields.String(attribute="procedure.code")
    procedure_name = fields.String(attribute="procedure.name")
    status = fields.Function(lambda d: int(d.status), metadata={"type": "integer"})
    status_name = fields.Function(
        lambda d: _status_name(d, 0), metadata={"type": "string"}
    )
    submitted_at = fields.DateTime()
    due_date = fields.Function(
        lambda d: deadlines.due_day(d.due_at).isoformat(),
        metadata={"type": "string", "format": "date"},
    )
    overdue = fields.Function(_overdue, metadata={"type": "boolean"})


class ReusedDataSchema(ma.Schema):
    """Digitised data attached by reference, as it is now."""

    source = fields.String()
    attached_sha256 = fields.String()
    in_force = fields.Boolean()
    unchanged = fields.Boolean()
    data = fields.Dict(allow_none=True)
