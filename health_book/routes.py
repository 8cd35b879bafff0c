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
        @blp.doc(
            **_doc(
                f"list{title}",
                f"List {name} (newest first), as the caller may see them.",
            )
        )
        def get(self, args: dict[str, Any], subject: str | uuid.UUID) -> Page[Any]:
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
        @blp.doc(
            **_doc(
                f"read{title}History",
                f"Read every version of one of {name}, oldest first.",
            )
        )
        def get(self, subject: str | uuid.UUID, record_id: uuid.UUID) -> list[Any]:
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
    @blp.doc(security=BEARER)
    def get(self, subject: str | uuid.UUID) -> dict[str, Any] | Response:
        """Read the health book at a glance (only the categories I may read)."""
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
    @blp.doc(security=BEARER)
    def get(self, subject: str | uuid.UUID) -> HealthProfile:
        """Read the profile: blood group, height, weight, BHYT card (as observations)."""
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
        """Record a new profile version (a clinic); the previous one is kept."""
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
}


@blp.route(f"{BOOK}/fhir")
@blp.doc(
    security=BEARER,
    summary="Export the book as a FHIR R4 International Patient Summary (document Bundle).",
    responses=_FHIR_BUNDLE,
)
@auth_required
def patient_summary(subject: str | uuid.UUID) -> Response:
    actor = current_actor()
    bundle = fhir.patient_summary(actor, resolve_subject(actor, subject))
    return _fhir_response(bundle)


@blp.route(f"{BOOK}/emergency-summary/fhir")
@blp.doc(
    security=BEARER,
    summary="Read the emergency summary as a FHIR R4 International Patient Summary.",
    description="Who may read it: as the JSON emergency summary (the citizen, a "
    "guardian, a consent for emergency_summary, or a doctor inside an emergency-"
    "access window). Sections: active problems, allergies, current medications, "
    "immunizations.",
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
    @blp.doc(security=BEARER)
    def get(self, subject: str | uuid.UUID) -> dict[str, Any]:
        """Read the emergency summary (also inside an emergency-access window)."""
        actor = current_actor()
        return views.emergency_summary(actor, resolve_subject(actor, subject))
