"""HTTP API of the school register: grades taught, classes and enrolments."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from app.auth import BEARER, auth_required, current_actor
from app.blueprint import Blueprint
from app.errors import NotFound
from app.idempotency import idempotent
from app.pagination import Page, PageArgsSchema, page_schema
from school_records import enrolment, register
from school_records.models import Enrolment, SchoolClass, SchoolLevels
from school_records.register_schemas import (
    EnrolmentCreateSchema,
    EnrolmentSchema,
    SchoolClassCreateSchema,
    SchoolClassQueryArgsSchema,
    SchoolClassSchema,
    SchoolClassUpdateSchema,
    SchoolLevelsSchema,
)
from school_records.schemas import ReasonSchema

blp = Blueprint(
    "school_register",
    __name__,
    url_prefix="/api/v1",
    description="A school's classes and enrolments, which transcripts rest on.",
)

_CLASS = "/schools/<uuid:school_id>/classes/<uuid:class_id>"


@blp.route("/schools/<uuid:school_id>/levels")
class SchoolLevelsById(MethodView):
    @blp.response(200, SchoolLevelsSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, school_id: uuid.UUID) -> SchoolLevels:
        """Read the grades a school is registered to teach (public).

        No token needed. Gives ``first_grade`` to ``last_grade``, as the education
        department registered them (``flask schools set-levels``); classes and
        transcript drafts of any other grade are refused. 404 when no grades are
        registered for that id.
        """
        levels = register.levels_of(school_id)
        if levels is None:
            raise NotFound()
        return levels


@blp.route("/schools/<uuid:school_id>/classes")
class SchoolClasses(MethodView):
    @idempotent
    @auth_required
    @blp.arguments(SchoolClassCreateSchema)
    @blp.response(201, SchoolClassSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any], school_id: uuid.UUID) -> SchoolClass:
        """Open a class for a school year, with its homeroom teacher (the principal).

        Only the principal acting for the school (403 otherwise, teachers included).
        The grade must be one the school teaches and ``homeroom_teacher_id`` a current
        teacher of the school (422 naming the field). 409 ``class-exists`` when the
        school already has a class of that name that school year. Written to the
        audit log; ``Idempotency-Key`` makes a retry replay the first answer.
        """
        return register.create_class(current_actor(), school_id, data)

    @auth_required
    @blp.arguments(SchoolClassQueryArgsSchema, location="query")
    @blp.response(200, page_schema(SchoolClassSchema))
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any], school_id: uuid.UUID) -> Page[SchoolClass]:
        """List the school's classes, optionally of one school year (its staff).

        For a teacher or the principal acting for the school (403 otherwise).
        ``school_year`` (e.g. ``2025-2026``) keeps that year's classes only. Newest
        first, a page of ``limit`` at a time (``cursor`` from the previous page's
        ``next_cursor``, which is null on the last page).
        """
        return register.list_classes(
            current_actor(), school_id, args.pop("school_year"), **args
        )


@blp.route(_CLASS)
class SchoolClassById(MethodView):
    @auth_required
    @blp.arguments(SchoolClassUpdateSchema)
    @blp.response(200, SchoolClassSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def put(
        self, data: dict[str, Any], school_id: uuid.UUID, class_id: uuid.UUID
    ) -> SchoolClass:
        """Hand the class to another homeroom teacher (the principal).

        Only the principal acting for the school (403 otherwise). 404 for a class of
        another school; 422 unless ``homeroom_teacher_id`` is a current teacher of the
        school. The new homeroom teacher signs the class's drafts from now on; the
        change is written to the audit log.
        """
        return register.update_class(current_actor(), school_id, class_id, data)


@blp.route(f"{_CLASS}/enrolments")
class ClassEnrolments(MethodView):
    @idempotent
    @auth_required
    @blp.arguments(EnrolmentCreateSchema)
    @blp.response(201, EnrolmentSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(security=BEARER)
    def post(
        self, data: dict[str, Any], school_id: uuid.UUID, class_id: uuid.UUID
    ) -> Enrolment:
        """Enrol a pupil by national id, full name and birth date, which must all match
        the register (the principal, or the class's homeroom teacher).

        Others get 403; 404 for a class of another school. The name is compared
        ignoring case and extra spaces. Any mismatch, or a pupil enrolled at another
        school that year, is the same 422 on ``national_id``; guesses are counted per
        national id and per member of staff (5 free, then 429 ``enrolment-throttled``
        with ``Retry-After``) and audited. 422 on ``birth_date`` when the age does not
        fit the grade; 409 ``pupil-already-enrolled`` when enrolled here that year.
        ``Idempotency-Key`` makes a retry replay the first answer.
        """
        return enrolment.enrol(current_actor(), school_id, class_id, data)

    @auth_required
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(EnrolmentSchema))
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(
        self, args: dict[str, Any], school_id: uuid.UUID, class_id: uuid.UUID
    ) -> Page[Enrolment]:
        """List the class's pupils, withdrawn ones marked (the school's staff).

        For any teacher or the principal acting for the school (403 otherwise); 404
        for a class of another school. A withdrawn pupil has ``withdrawn_at`` and
        ``withdrawal_reason``. Newest enrolment first, a page of ``limit`` at a time
        (``cursor`` from the previous page's ``next_cursor``).
        """
        return enrolment.list_enrolments(current_actor(), school_id, class_id, **args)


@blp.route("/schools/<uuid:school_id>/enrolments/<uuid:enrolment_id>/withdraw")
class WithdrawEnrolment(MethodView):
    @auth_required
    @blp.arguments(ReasonSchema)
    @blp.response(200, EnrolmentSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def post(
        self, data: dict[str, str], school_id: uuid.UUID, enrolment_id: uuid.UUID
    ) -> Enrolment:
        """Withdraw a pupil from a class, with a reason (the principal).

        Only the principal acting for the school (403 otherwise); 404 for an
        enrolment of another school; 409 ``enrolment-withdrawn`` if already
        withdrawn. Transcripts already published stay in force, but no new one is
        drafted or signed for the pupil in that class. The withdrawal and its
        ``reason`` are written to the audit log.
        """
        return enrolment.withdraw(
            current_actor(), school_id, enrolment_id, data["reason"]
        )
