"""The register transcripts rest on: a school's grades, its classes and their pupils.

The education department registers the grades a school teaches (``flask schools
set-levels``). The principal opens the year's classes, each with its grade and
homeroom teacher; the principal or that homeroom teacher enrols pupils. A transcript
is only for a pupil enrolled in its school, class and grade that year
(:func:`enrolled_class`). Enrolling pupils is :mod:`school_records.enrolment`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import audit
from app.auth import Actor
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.pagination import Page, paginate
from identity import services as identity_services
from identity.models import OrganisationKind
from school_records.models import Enrolment, SchoolClass, SchoolLevels
from school_records.policies import PRINCIPAL, STAFF, can_teach_at, require_staff

NO_GRADES_ERROR = "This school is registered for no grade."
NOT_A_TEACHER_ERROR = "Not a teacher of this school."


class ClassExists(Conflict):
    slug = "class-exists"


def levels_of(school_id: uuid.UUID) -> SchoolLevels | None:
    """The grades a school is registered for, if any."""
    return db.session.get(SchoolLevels, school_id)


def set_levels(school_id: uuid.UUID, first_grade: int, last_grade: int) -> SchoolLevels:
    """Register the grades a school teaches (the education department's act).

    :raise ValueError: not a school, or not a range within grades 1 to 12.
    """
    if identity_services.get_organisation(school_id).kind != OrganisationKind.SCHOOL:
        raise ValueError("only a school teaches grades")
    if not 1 <= first_grade <= last_grade <= 12:
        raise ValueError("grades run from 1 to 12, the first not after the last")
    levels = levels_of(school_id) or SchoolLevels(school_id=school_id)
    levels.first_grade, levels.last_grade = first_grade, last_grade
    db.session.add(levels)
    db.session.flush()
    return levels


def grade_errors(school_id: uuid.UUID, grade: int) -> dict[str, list[str]]:
    """Why ``grade`` is not one the school teaches (empty if it is)."""
    levels = levels_of(school_id)
    if levels is None:
        return {"grade": [NO_GRADES_ERROR]}
    if not levels.teaches(grade):
        return {
            "grade": [
                f"This school teaches grades {levels.first_grade} to {levels.last_grade}."
            ]
        }
    return {}


def enrolled_class(
    pupil_id: uuid.UUID,
    school_id: uuid.UUID,
    school_year: str,
    *,
    grade: int,
    class_name: str,
) -> SchoolClass | None:
    """The class of that name and grade the pupil is enrolled in at the school that
    year, if any (withdrawn enrolments do not count)."""
    return db.session.scalar(
        sa.select(SchoolClass)
        .join(Enrolment, Enrolment.class_id == SchoolClass.id)
        .where(
            Enrolment.pupil_id == pupil_id,
            Enrolment.withdrawn_at.is_(None),
            SchoolClass.school_id == school_id,
            SchoolClass.school_year == school_year,
            SchoolClass.grade == grade,
            SchoolClass.name == class_name,
        )
    )


def _require_teacher(school_id: uuid.UUID, citizen_id: uuid.UUID) -> None:
    if not can_teach_at(citizen_id, school_id):
        raise ValidationFailed(errors={"homeroom_teacher_id": [NOT_A_TEACHER_ERROR]})


@contextlib.contextmanager
def refused_as(conflict: Conflict) -> Iterator[None]:
    """Make the block's changes in a savepoint: a unique index's refusal (a
    concurrent twin) becomes ``conflict``, and the session stays usable."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as error:
        raise conflict from error


def create_class(
    actor: Actor, school_id: uuid.UUID, data: dict[str, Any]
) -> SchoolClass:
    """The principal opens a class for a school year, with its homeroom teacher."""
    require_staff(actor, school_id, PRINCIPAL)
    errors = grade_errors(school_id, data["grade"])
    if errors:
        raise ValidationFailed(errors=errors)
    _require_teacher(school_id, data["homeroom_teacher_id"])
    school_class = SchoolClass(school_id=school_id, **data)
    with refused_as(ClassExists()):
        db.session.add(school_class)
    audit.record(
        "school.class_opened",
        "success",
        actor_id=actor.citizen_id,
        details={"class": str(school_class.id), "school": str(school_id)},
    )
    return school_class


def get_class(school_id: uuid.UUID, class_id: uuid.UUID) -> SchoolClass:
    """A class of the school (404 for any other id)."""
    found = db.session.get(SchoolClass, class_id)
    if found is None or found.school_id != school_id:
        raise NotFound()
    return found


def update_class(
    actor: Actor, school_id: uuid.UUID, class_id: uuid.UUID, data: dict[str, Any]
) -> SchoolClass:
    """The principal hands a class to another homeroom teacher."""
    require_staff(actor, school_id, PRINCIPAL)
    school_class = get_class(school_id, class_id)
    _require_teacher(school_id, data["homeroom_teacher_id"])
    school_class.homeroom_teacher_id = data["homeroom_teacher_id"]
    audit.record(
        "school.homeroom_teacher_changed",
        "success",
        actor_id=actor.citizen_id,
        details={"class": str(class_id), "teacher": str(data["homeroom_teacher_id"])},
    )
    return school_class


def list_classes(
    actor: Actor,
    school_id: uuid.UUID,
    school_year: str | None,
    *,
    cursor: str | None,
    limit: int,
) -> Page[SchoolClass]:
    """A school's classes, newest first, for its staff."""
    require_staff(actor, school_id, STAFF)
    statement = sa.select(SchoolClass).where(SchoolClass.school_id == school_id)
    if school_year is not None:
        statement = statement.where(SchoolClass.school_year == school_year)
    return paginate(
        statement,
        sort=SchoolClass.created_at,
        id_column=SchoolClass.id,
        cursor=cursor,
        limit=limit,
    )
