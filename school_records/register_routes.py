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
        """Read the grades a school is registered to teach (public)."""
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
        """Open a class for a school year, with its homeroom teacher (the principal)."""
        return register.create_class(current_actor(), school_id, data)

    @auth_required
    @blp.arguments(SchoolClassQueryArgsSchema, location="query")
    @blp.response(200, page_schema(SchoolClassSchema))
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any], school_id: uuid.UUID) -> Page[SchoolClass]:
        """List the school's classes, optionally of one school year (its staff)."""
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
        """Hand the class to another homeroom teacher (the principal)."""
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
    @blp.doc(security=BEARER)
    def post(
        self, data: dict[str, Any], school_id: uuid.UUID, class_id: uuid.UUID
    ) -> Enrolment:
        """Enrol a pupil by national id, full name and birth date, which must all match
        the register (the principal, or the class's homeroom teacher)."""
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
        """List the class's pupils, withdrawn ones marked (the school's staff)."""
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
        """Withdraw a pupil from a class, with a reason (the principal)."""
        return enrolment.withdraw(
            current_actor(), school_id, enrolment_id, data["reason"]
        )
