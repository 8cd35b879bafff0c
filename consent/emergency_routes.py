"""HTTP API of break-glass: a doctor opens an emergency window; the clinic reviews.

What the window lets the doctor read (the emergency summary) is served by the health
book, decided by :mod:`consent.policies` like any other read.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from app.auth import BEARER, auth_required, current_actor, step_up_required
from app.blueprint import Blueprint
from app.pagination import Page, page_schema
from consent import emergency
from consent.models import EmergencyAccess
from consent.schemas import (
    EmergencyAccessSchema,
    EmergencyQueryArgsSchema,
    EmergencyRequestSchema,
    ReviewSchema,
)
from identity.services import resolve_subject

blp = Blueprint(
    "break_glass",
    __name__,
    url_prefix="/api/v1",
    description="Break-glass: emergency access to a patient's summary, and its review.",
)


@blp.route("/citizens/<uuid:citizen_id>/emergency-access")
class EmergencyAccessOpen(MethodView):
    @step_up_required
    @blp.arguments(EmergencyRequestSchema)
    @blp.response(201, EmergencyAccessSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, str], citizen_id: uuid.UUID) -> EmergencyAccess:
        """Open a 30-minute emergency window on a patient's summary (a doctor; logged, notified)."""
        actor = current_actor()
        return emergency.open_window(
            actor, resolve_subject(actor, citizen_id), data["reason"]
        )


@blp.route("/emergency-accesses")
class EmergencyAccesses(MethodView):
    @auth_required
    @blp.arguments(EmergencyQueryArgsSchema, location="query")
    @blp.response(200, page_schema(EmergencyAccessSchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> Page[EmergencyAccess]:
        """List my clinic's emergency accesses for review, newest first."""
        return emergency.list_for_review(
            current_actor(), unreviewed=args.pop("unreviewed"), **args
        )


@blp.route("/emergency-accesses/<uuid:access_id>/review")
class EmergencyReview(MethodView):
    @auth_required
    @blp.arguments(ReviewSchema)
    @blp.response(200, EmergencyAccessSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, str], access_id: uuid.UUID) -> EmergencyAccess:
        """Record the review of an emergency access (by someone other than its doctor)."""
        return emergency.review(current_actor(), access_id, data["note"])
