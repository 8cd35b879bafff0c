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
        """Open a 30-minute emergency window on a patient's summary (a doctor; logged, notified).

        Only a doctor acting for a clinic (403 otherwise), with a level-2 login in the
        last 5 minutes (else 401 with a step-up challenge) and a reason of 10 to 500
        characters. For 30 minutes the window lets that doctor alone (not their
        colleagues) read this patient's emergency summary. Opening it is written to the
        patient's access log and the audit trail, notifies the patient (or the
        guardians of a child under 14) and enters the clinic's review queue. 404 for an
        unknown citizen. Not idempotent: a retry opens another window.
        """
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
        """List my clinic's emergency accesses for review, newest first.

        Doctors and administrators (``org_admin``) acting for a clinic (403 otherwise)
        see the windows its doctors opened. ``unreviewed=true`` keeps only those not
        yet reviewed. Ordered by opening time, paged with ``cursor``/``limit``.
        """
        return emergency.list_for_review(
            current_actor(), unreviewed=args.pop("unreviewed"), **args
        )


@blp.route("/emergency-accesses/<uuid:access_id>/review")
class EmergencyReview(MethodView):
    @auth_required
    @blp.arguments(ReviewSchema)
    @blp.response(200, EmergencyAccessSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, str], access_id: uuid.UUID) -> EmergencyAccess:
        """Record the review of an emergency access (by someone other than its doctor).

        A doctor or administrator (``org_admin``) acting for the same clinic who did
        not open the window: 403 for other roles and for the doctor who opened it, 404
        for another clinic's window or an unknown id. Stores the note with the reviewer
        and the time, and writes an audit record. A review is final: 409
        ``emergency-access-reviewed`` for a second one.
        """
        return emergency.review(current_actor(), access_id, data["note"])
