"""The register transcripts rest on: a school's grades, its classes and their pupils.

The education department registers the grades a school teaches (``flask schools
set-levels``). The principal opens the year's classes, each with its grade and
homeroom teacher; the principal or that homeroom teacher enrols pupils. A transcript
is only for a pupil enrolled in its school, class and grade that year
(:func:`enrolled_class`).

Enrolling asks for what a family hands the school at admission — the pupil's
national id, full name and birth date — and succeeds only if all three match the
population register, so a school learns nobody's identity from a number alone;
every refusal reads the same whatever the register holds (a pupil enrolled at
another school that year included), and guesses are counted per national id and
per member of staff like passwords (5 free, then a growing wait).
"""

from __future__ import annotations

import contextlib
import unicodedata
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import audit, throttle
from app.auth import Actor
from app.db import utcnow
from app.errors import Conflict, NotFound, Problem, ValidationFailed
from app.extensions import db
from app.pagination import Page, paginate
from identity import services as identity_services
from identity.models import Citizen, OrganisationKind
from school_records.models import Enrolment, SchoolClass, SchoolLevels
from school_records.policies import (
    PRINCIPAL,
    STAFF,
    can_enrol,
    can_teach_at,
    require,
    require_staff,
)

NO_GRADES_ERROR = "This school is registered for no grade."
NOT_A_TEACHER_ERROR = "Not a teacher of this school."
NO_MATCH_ERROR = (
    "No pupil in the register matches this national id, name and birth date."
)
#: A pupil's usual age in the calendar year a school year starts is grade + 5; one
#: may be a year younger (a skipped grade) or up to five older (a late start,
#: repeated years: Circular 32/2020 allows three years for late entry alone).
YEARS_YOUNGER, YEARS_OLDER = 1, 5


class ClassExists(Conflict):
    slug = "class-exists"


class PupilAlreadyEnrolled(Conflict):
    slug = "pupil-already-enrolled"


class EnrolmentWithdrawn(Conflict):
    slug = "enrolment-withdrawn"


class PupilNotInRegister(ValidationFailed):
    """No pupil matches the papers (or one enrolled elsewhere): the counted guess
    and its audit record are the request's outcome."""

    commits_work = True


class EnrolmentThrottled(Problem):
    code, slug = 429, "enrolment-throttled"
    commits_work = True


#: The throttle's and the audit log's name for a guess at a pupil's papers.
ENROL_ACTION = "school.enrol"


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


def _class(school_id: uuid.UUID, class_id: uuid.UUID) -> SchoolClass:
    found = db.session.get(SchoolClass, class_id)
    if found is None or found.school_id != school_id:
        raise NotFound()
    return found


def update_class(
    actor: Actor, school_id: uuid.UUID, class_id: uuid.UUID, data: dict[str, Any]
) -> SchoolClass:
    """The principal hands a class to another homeroom teacher."""
    require_staff(actor, school_id, PRINCIPAL)
    school_class = _class(school_id, class_id)
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


def _comparable_name(name: str) -> list[str]:
    return unicodedata.normalize("NFC", name).casefold().split()


def _age_errors(birth_date: date, school_class: SchoolClass) -> dict[str, list[str]]:
    age = int(school_class.school_year[:4]) - birth_date.year
    usual = school_class.grade + 5
    if usual - YEARS_YOUNGER <= age <= usual + YEARS_OLDER:
        return {}
    return {
        "birth_date": [
            f"A pupil born then is not of an age for grade {school_class.grade} in {school_class.school_year}."
        ]
    }


def _registered_pupil(data: dict[str, Any]) -> Citizen | None:
    citizen = identity_services.find_citizen_by_national_id(data["national_id"])
    if (
        citizen is None
        or citizen.birth_date != data["birth_date"]
        or _comparable_name(citizen.full_name) != _comparable_name(data["full_name"])
    ):
        return None
    return citizen


def _enrolment_that_year(pupil_id: uuid.UUID, school_year: str) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.pupil_id == pupil_id,
            Enrolment.school_year == school_year,
            Enrolment.withdrawn_at.is_(None),
        )
    )


def _refuse_match(actor: Actor, subject: str, attempt: throttle.Attempt) -> NoReturn:
    feedback = attempt.failed()
    audit.record(
        ENROL_ACTION, "failure", actor_id=actor.citizen_id, subject_key=subject
    )
    headers = (
        {"Retry-After": str(feedback.retry_after)} if feedback.retry_after else None
    )
    raise PupilNotInRegister(errors={"national_id": [NO_MATCH_ERROR]}, headers=headers)


def enrol(
    actor: Actor, school_id: uuid.UUID, class_id: uuid.UUID, data: dict[str, Any]
) -> Enrolment:
    """Enrol a pupil in a class (the principal, or the class's homeroom teacher)."""
    role = require_staff(actor, school_id, STAFF)
    school_class = _class(school_id, class_id)
    require(can_enrol(actor, role, school_class))
    errors = _age_errors(data["birth_date"], school_class)
    if errors:
        raise ValidationFailed(errors=errors)
    # A guess at someone's papers is counted before it is checked, per national id
    # and per member of staff, as a password is (app.throttle).
    subject = audit.keyed_hash(f"national_id:{data['national_id']}")
    attempt = throttle.attempt(ENROL_ACTION, subject, f"staff:{actor.citizen_id}")
    if attempt.retry_after is not None:
        audit.record(
            ENROL_ACTION, "throttled", actor_id=actor.citizen_id, subject_key=subject
        )
        raise EnrolmentThrottled(headers={"Retry-After": str(attempt.retry_after)})
    pupil = _registered_pupil(data)
    taken = _enrolment_that_year(pupil.id, school_class.school_year) if pupil else None
    # Enrolled at another school reads as no match: nobody learns from a number
    # where a child goes to school.
    if pupil is None or (taken is not None and taken.school_id != school_id):
        _refuse_match(actor, subject, attempt)
    attempt.succeeded()
    if taken is not None:
        raise PupilAlreadyEnrolled()
    enrolment = Enrolment(
        class_id=school_class.id,
        school_id=school_id,
        school_year=school_class.school_year,
        pupil_id=pupil.id,
        enrolled_by=actor.citizen_id,
    )
    with refused_as(PupilAlreadyEnrolled()):
        db.session.add(enrolment)
    audit.record(
        "school.pupil_enrolled",
        "success",
        actor_id=actor.citizen_id,
        details={"enrolment": str(enrolment.id), "class": str(class_id)},
    )
    return enrolment


def list_enrolments(
    actor: Actor,
    school_id: uuid.UUID,
    class_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
) -> Page[Enrolment]:
    """A class's pupils (withdrawn ones too, marked), newest first, for its school."""
    require_staff(actor, school_id, STAFF)
    _class(school_id, class_id)
    return paginate(
        sa.select(Enrolment).where(Enrolment.class_id == class_id),
        sort=Enrolment.enrolled_at,
        id_column=Enrolment.id,
        cursor=cursor,
        limit=limit,
    )


def withdraw(
    actor: Actor, school_id: uuid.UUID, enrolment_id: uuid.UUID, reason: str
) -> Enrolment:
    """The principal ends an enrolment (a transfer, or a mistake), with a reason.

    Transcripts already published stay in force; no new one is signed for it.
    """
    require_staff(actor, school_id, PRINCIPAL)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.school_id != school_id:
        raise NotFound()
    if enrolment.withdrawn_at is not None:
        raise EnrolmentWithdrawn()
    enrolment.withdrawn_at = utcnow()
    enrolment.withdrawal_reason = reason
    audit.record(
        "school.pupil_withdrawn",
        "success",
        actor_id=actor.citizen_id,
        details={"enrolment": str(enrolment.id), "reason": reason},
    )
    return enrolment
