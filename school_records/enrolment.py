"""Enrolling pupils in a school's classes, listing them, and withdrawing them.

Enrolling asks for what a family hands the school at admission — the pupil's
national id, full name and birth date — and succeeds only if all three match the
population register, so a school learns nobody's identity from a number alone;
every refusal reads the same whatever the register holds (a pupil enrolled at
another school that year included), and guesses are counted per national id and
per member of staff like passwords (5 free, then a growing wait).
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date
from typing import Any, NoReturn

import sqlalchemy as sa

from app import audit, throttle
from app.auth import Actor
from app.db import utcnow
from app.errors import Conflict, NotFound, Problem, ValidationFailed
from app.extensions import db
from app.pagination import Page, paginate
from identity import services as identity_services
from identity.models import Citizen
from school_records import register
from school_records.models import Enrolment, SchoolClass
from school_records.policies import PRINCIPAL, STAFF, can_enrol, require, require_staff

NO_MATCH_ERROR = (
    "No pupil in the register matches this national id, name and birth date."
)
#: A pupil's usual age in the calendar year a school year starts is grade + 5; one
#: may be a year younger (a skipped grade) or up to five older (a late start,
#: repeated years: Circular 32/2020 allows three years for late entry alone).
YEARS_YOUNGER, YEARS_OLDER = 1, 5


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
    school_class = register.get_class(school_id, class_id)
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
    with register.refused_as(PupilAlreadyEnrolled()):
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
    register.get_class(school_id, class_id)
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
