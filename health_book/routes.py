"""HTTP API of the health book: ``/api/v1/citizens/{id|me}/health-book/...``.

Each category gets the same five routes — list and write, correct, history, hide
and unhide — registered from one table, so a new category cannot forget one.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, jsonify
from flask.views import MethodView

from app.auth import BEARER, auth_required, current_actor
from app.blueprint import Blueprint
from app.errors import NotFound
from app.idempotency import idempotent
from app.pagination import Page, page_schema
from consent.vocabulary import Category
from health_book import fhir, own_summary, schemas, services, views
from health_book.models import HealthProfile
from identity.services import resolve_subject

blp = Blueprint(
    "health_book",
    __name__,
    url_prefix="/api/v1",
    description="The electronic health book: clinic-written, consent-gated.",
)
BOOK = "/citizens/<subject:subject>/health-book"

CATEGORY_SCHEMAS: dict[Category, type[schemas.RecordSchema]] = {
    Category.ALLERGIES: schemas.AllergySchema,
    Category.CONDITIONS: schemas.ConditionSchema,
    Category.IMMUNIZATIONS: schemas.ImmunizationSchema,
    Category.ENCOUNTERS: schemas.EncounterSchema,
    Category.MEDICATIONS: schemas.MedicationSchema,
    Category.OBSERVATIONS: schemas.ObservationSchema,
}


def _doc(operation_id: str, summary: str) -> dict[str, Any]:
    """The OpenAPI fields of one per-category operation.

    The views of every category are the same classes made in a loop, so each
    operation is named after its category here rather than after the class.
    """
    return {"operationId": operation_id, "summary": summary, "security": BEARER}


def _records_view(
    category: Category, schema: type[schemas.RecordSchema]
) -> type[MethodView]:
    model = services.MODELS[category]
    name = category.value
    title = name.title()  # in operationIds: listAllergies, readAllergiesHistory

    class Records(MethodView):
        @auth_required
        @blp.arguments(schemas.RecordQueryArgsSchema, location="query")
        @blp.response(200, page_schema(schema))
        @blp.alt_response(403, response="FORBIDDEN")
        @blp.alt_response(429, response="TOO_MANY_REQUESTS")
        @blp.doc(
            **_doc(
                f"list{title}",
                f"List {name} (newest first), as the caller may see them.",
            )
        )
        def get(self, args: dict[str, Any], subject: str | uuid.UUID) -> Page[Any]:
            """List one category's records, newest first, as the caller may see them.

            Readers: the citizen (``me``), a guardian of a child under 14, or staff
            under a live consent naming their organisation and this category; every
            read or refusal of anyone but the citizen is logged in their access log.
            Only current versions show; under a consent only its data period, never
            hidden records, and sensitive ones only if it names them; ``from``/``to``
            outside that period is 403. Otherwise 403 ``consent-required``, or 429
            with ``Retry-After`` once the consent's frequency limit is used up. Paged
            with ``cursor``/``limit``.
            """
            actor = current_actor()
            citizen = resolve_subject(actor, subject)
            return services.list_records(actor, citizen, category, **args)

        @idempotent
        @auth_required
        @blp.arguments(schema)
        @blp.response(201, schema)
        @blp.alt_response(403, response="FORBIDDEN")
        @blp.doc(
            **_doc(
                f"record{title}",
                f"Record {name} (a doctor or nurse acting for a clinic).",
            )
        )
        def post(self, data: dict[str, Any], subject: str | uuid.UUID) -> Any:
            """Record one entry of this category (a doctor or nurse of a clinic).

            Only a doctor or nurse acting for a clinic (403 otherwise); no consent is
            needed, and writing gives no right to read the book. The record names the
            clinic and its author. The server also marks a condition or encounter
            ``sensitive`` when its diagnosis code is a sensitive one. 404 for an unknown
            citizen. Honours ``Idempotency-Key``.
            """
            actor = current_actor()
            return services.add_record(
                actor, resolve_subject(actor, subject), model, data
            )

    return Records


def _corrections_view(
    category: Category, schema: type[schemas.RecordSchema]
) -> type[MethodView]:
    model = services.MODELS[category]
    name = category.value
    title = name.title()

    class Corrections(MethodView):
        @idempotent
        @auth_required
        @blp.arguments(schemas.correction_schema(schema))
        @blp.response(201, schema)
        @blp.alt_response(409, response="CONFLICT")
        @blp.doc(
            **_doc(
                f"correct{title}",
                f"Correct one of {name}: a new version supersedes it.",
            )
        )
        def post(
            self, data: dict[str, Any], subject: str | uuid.UUID, record_id: uuid.UUID
        ) -> Any:
            """Correct one record: a new version supersedes it.

            Only a doctor or nurse acting for the clinic that wrote the record (403 for
            other roles; 404 for another clinic's record or an unknown id). The old
            version stays in the history, marked superseded; the new one carries
            ``correction_reason`` and stays hidden if the old one was. 409
            ``record-superseded`` when the record was already corrected: correct its
            current version. Honours ``Idempotency-Key``.
            """
            actor = current_actor()
            citizen = resolve_subject(actor, subject)
            reason = data.pop("correction_reason")
            return services.correct_record(
                actor, citizen, model, record_id, data, reason
            )

    return Corrections


def _history_view(
    category: Category, schema: type[schemas.RecordSchema]
) -> type[MethodView]:
    name = category.value
    title = name.title()

    class History(MethodView):
        @auth_required
        @blp.response(200, schema(many=True))
        @blp.alt_response(404, response="NOT_FOUND")
        @blp.alt_response(429, response="TOO_MANY_REQUESTS")
        @blp.doc(
            **_doc(
                f"read{title}History",
                f"Read every version of one of {name}, oldest first.",
            )
        )
        def get(self, subject: str | uuid.UUID, record_id: uuid.UUID) -> list[Any]:
            """Read every version of one record, oldest first.

            Decided and logged like a list of this category: the citizen, a guardian of
            a child under 14, or staff under a consent naming it (else 403, or 429 when
            its frequency limit is used up). Versions the caller may not see (outside
            the consent's period, sensitive, hidden) are left out; 404 when the record
            is unknown or the version asked for, or the current one, is not visible.
            """
            actor = current_actor()
            return services.record_history(
                actor, resolve_subject(actor, subject), category, record_id
            )

    return History


def _visibility_view(
    category: Category, schema: type[schemas.RecordSchema], hidden: bool
) -> type[MethodView]:
    model = services.MODELS[category]
    name = category.value
    title = name.title()
    verb = "hide" if hidden else "unhide"

    class Visibility(MethodView):
        @auth_required
        @blp.response(200, schema)
        @blp.alt_response(403, response="FORBIDDEN")
        @blp.doc(
            **_doc(
                f"{verb}{title}",
                f"{'Hide' if hidden else 'Show again'} one of {name} from everyone but me.",
            )
        )
        def post(self, subject: str | uuid.UUID, record_id: uuid.UUID) -> Any:
            """Hide one record from everyone but the citizen, or show it again.

            Only the citizen, or a guardian of a child under 14, not acting for an
            organisation (403 otherwise; 404 for an unknown record). Every version of
            the record changes together, so a correction cannot resurface it. Hidden
            records still show to the citizen and guardian, and to no one else, whatever
            consent or emergency access they hold.
            """
            actor = current_actor()
            return services.set_hidden(
                actor, resolve_subject(actor, subject), model, record_id, hidden
            )

    return Visibility


def _register_category(category: Category, schema: type[schemas.RecordSchema]) -> None:
    """Route the five per-category resources of ``category`` under the book."""
    name = category.value
    record = f"{BOOK}/{name}/<uuid:record_id>"
    blp.route(f"{BOOK}/{name}", endpoint=name)(_records_view(category, schema))
    blp.route(f"{record}/corrections", endpoint=f"{name}_corrections")(
        _corrections_view(category, schema)
    )
    blp.route(f"{record}/history", endpoint=f"{name}_history")(
        _history_view(category, schema)
    )
    blp.route(f"{record}/hide", endpoint=f"{name}_hide")(
        _visibility_view(category, schema, hidden=True)
    )
    blp.route(f"{record}/unhide", endpoint=f"{name}_unhide")(
        _visibility_view(category, schema, hidden=False)
    )


for _category, _schema in CATEGORY_SCHEMAS.items():
    _register_category(_category, _schema)


@blp.route(BOOK)
class Summary(MethodView):
    @auth_required
    @blp.response(200, schemas.SummarySchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(security=BEARER)
    def get(self, subject: str | uuid.UUID) -> dict[str, Any] | Response:
        """Read the health book at a glance (only the categories I may read).

        Each section holds a category's 5 latest current records, with ``more`` when
        there are others; ``profile`` comes with the observations category. The
        citizen's own summary is not logged and is rebuilt only when the book changes.
        For anyone else each category is decided and logged on its own: refused ones
        are left out, and only when none is readable is the read refused (403, or 429
        when a consent's frequency limit is the reason).
        """
        actor = current_actor()
        citizen = resolve_subject(actor, subject)
        if own_summary.is_own(actor, citizen):
            return own_summary.own_summary(actor, citizen)
        return views.summary(actor, citizen)


@blp.route(f"{BOOK}/profile")
class Profile(MethodView):
    @auth_required
    @blp.response(200, schemas.ProfileSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(security=BEARER)
    def get(self, subject: str | uuid.UUID) -> HealthProfile:
        """Read the profile: blood group, height, weight, BHYT card (as observations).

        Decided and logged as a read of ``observations``: the citizen, a guardian of a
        child under 14, or staff under a consent naming it (else 403, or 429 when its
        frequency limit is used up). 404 when there is no current profile the caller
        may see: none yet, or one dated outside the consent's period.
        """
        actor = current_actor()
        current = services.profile(actor, resolve_subject(actor, subject))
        if current is None:
            raise NotFound()
        return current

    @idempotent
    @auth_required
    @blp.arguments(schemas.ProfileSchema)
    @blp.response(201, schemas.ProfileSchema)
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any], subject: str | uuid.UUID) -> HealthProfile:
        """Record a new profile version (a clinic); the previous one is kept.

        Only a doctor or nurse acting for a clinic (403 otherwise); no consent is
        needed. The new version supersedes the current one, which is kept, marked
        superseded. The BHYT card number is normalised to 10 digits. 404 for an unknown
        citizen. Honours ``Idempotency-Key``.
        """
        actor = current_actor()
        record: HealthProfile = services.add_record(
            actor, resolve_subject(actor, subject), HealthProfile, data
        )
        return record


#: What an IPS route answers: the document Bundle, or the refusal.
_FHIR_BUNDLE = {
    200: {
        "description": "FHIR Bundle (an International Patient Summary document)",
        "content": {"application/fhir+json": {"schema": {"type": "object"}}},
    },
    403: {"$ref": "#/components/responses/FORBIDDEN"},
    429: {"$ref": "#/components/responses/TOO_MANY_REQUESTS"},
}


@blp.route(f"{BOOK}/fhir")
@blp.doc(
    security=BEARER,
    summary="Export the book as a FHIR R4 International Patient Summary (document Bundle).",
    responses=_FHIR_BUNDLE,
)
@auth_required
def patient_summary(subject: str | uuid.UUID) -> Response:
    """Export the book as a FHIR R4 International Patient Summary (document Bundle).

    Sent as ``application/fhir+json`` with ``Cache-Control: private, no-store``. The
    citizen and a guardian of a child under 14 get every section. Staff need a consent
    in ``store`` mode: a category refused or only viewable becomes a section marked
    ``withheld``, and only when none may be exported is the export refused (403, e.g.
    reason ``view-only``). Name and birth date are masked unless ``identity_basic``
    may be exported too. Every export by someone else is logged in the access log.
    """
    actor = current_actor()
    bundle = fhir.patient_summary(actor, resolve_subject(actor, subject))
    return _fhir_response(bundle)


@blp.route(f"{BOOK}/emergency-summary/fhir")
@blp.doc(
    security=BEARER,
    summary="Read the emergency summary as a FHIR R4 International Patient Summary.",
    description="Who may read it: as the JSON emergency summary (the citizen, a "
    "guardian, a consent for emergency_summary, or a doctor inside an emergency-"
    "access window), except that a view-only consent is refused (403, reason "
    "``view-only``): a document is an export. Sections: active problems, allergies, "
    "current medications, immunizations.",
    responses=_FHIR_BUNDLE,
)
@auth_required
def emergency_patient_summary(subject: str | uuid.UUID) -> Response:
    actor = current_actor()
    bundle = fhir.emergency_summary(actor, resolve_subject(actor, subject))
    return _fhir_response(bundle)


def _fhir_response(bundle: dict[str, Any]) -> Response:
    response = jsonify(bundle)
    response.mimetype = "application/fhir+json"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route(f"{BOOK}/emergency-summary")
class EmergencySummary(MethodView):
    @auth_required
    @blp.response(200, schemas.EmergencySummarySchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(security=BEARER)
    def get(self, subject: str | uuid.UUID) -> dict[str, Any]:
        """Read the emergency summary (also inside an emergency-access window).

        Readers: the citizen, a guardian of a child under 14, staff under a consent
        naming ``emergency_summary``, or the doctor who opened an emergency-access
        window on this patient, until it closes (not their colleagues). Sensitive
        records are included; hidden ones show only to the citizen and guardian. Every
        read by someone else is logged in the access log; 403 ``consent-required``
        otherwise, or 429 when a consent's frequency limit is used up.
        """
        actor = current_actor()
        return views.emergency_summary(actor, resolve_subject(actor, subject))
