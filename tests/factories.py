"""Builders of what a test needs besides the demo: people, organisations, and their
records, each made fresh for the test.

Use the demo's people (:mod:`tests.demo_ids`) where a test is about the demo —
An's dossiers, Bình's transcript, Cúc's clinic. Use these builders for anyone or
anything else: "a stranger", "a second clinic", "a doctor of another clinic", "a
second school", "a pupil with a transcript". Recruiting a demo person into a role
the demo does not give them makes every later reader of the test wonder why.

Every builder adds rows to the test's session, flushes, and returns what it built;
none commits (the test's transaction is rolled back afterwards: tests/conftest.py).
National ids and official codes come from one counter per run, so a test may build
as many as it likes. What the product signs or checks is built through its real
services, so a built record is one production could hold: consent artefacts are
asked for, approved and signed; transcripts are drafted for a pupil enrolled in the
school's register, then signed and published; dossiers are submitted and moved by
an officer of their agency.

(STYLE.md 9.7 names factory_boy; these typed functions do its job without a new
dependency.)
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final

import sqlalchemy as sa

from app.auth import Actor
from app.db import utcnow
from app.extensions import db
from consent import answers as consent_answers
from consent import requests as consent_requests
from consent.models import ConsentArtefact
from consent.vocabulary import AccessMode, Category
from health_book import services as health_services
from health_book.routes import CATEGORY_SCHEMAS
from identity import services as identity_services
from identity.models import (
    Citizen,
    GuardianRelation,
    Guardianship,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    Sector,
)
from identity.national_id import century_sex_digit
from school_records import drafting as school_drafting
from school_records import enrolment as school_enrolment
from school_records import register
from school_records import signing as school_signing
from school_records.demo import demo_content
from school_records.models import SchoolClass, Transcript
from service_requests import moves as dossier_moves
from service_requests import submission as dossier_submission
from service_requests.models import Dossier, Procedure
from tests.demo_ids import RESIDENCE

_serial = itertools.count(1)

#: Where the built live: the demo's province (national ids start with its code).
PROVINCE_CODE: Final = "074"
ADDRESS: Final = "Phường Phú Cường, TP. Thủ Dầu Một, Bình Dương"

#: A registration body the API accepts, for tests that post one themselves.
VALID_CITIZEN: Final[Mapping[str, str]] = {
    "national_id": "079201123456",
    "full_name": "Trương Minh Khoa",
    "birth_date": "2001-05-06",
    "sex": "male",
    "address": "Quận 1, TP. Hồ Chí Minh",
}


# People --------------------------------------------------------------------------


def citizen(
    *,
    full_name: str | None = None,
    birth_date: date = date(1990, 1, 1),
    sex: str = "male",
    loa: int = 2,
    phone: str | None = None,
    password: str | None = None,
) -> Citizen:
    """A citizen of the register with no ties to anyone: a stranger to everything.

    Registered through the register's own validation, so the national id agrees
    with the birth date and sex, as a real one does.
    """
    serial = next(_serial)
    national_id = (
        f"{PROVINCE_CODE}{century_sex_digit(birth_date, sex)}"
        f"{birth_date.year % 100:02d}{900_000 + serial:06d}"
    )
    return identity_services.register_citizen(
        {
            "national_id": national_id,
            "full_name": full_name or f"Người Thử {serial}",
            "birth_date": birth_date.isoformat(),
            "sex": sex,
            "address": ADDRESS,
            "phone": phone,
            "loa": loa,
        },
        password=password,
    )


def guardianship(
    guardian: Citizen,
    ward: Citizen,
    relation: GuardianRelation = GuardianRelation.PARENT,
) -> Guardianship:
    """Record in the register that ``guardian`` is the parent of ``ward`` (who acts
    for ``ward`` only while ``ward`` is under 14)."""
    link = Guardianship(guardian=guardian, ward=ward, relation=relation)
    db.session.add(link)
    db.session.flush()
    return link


def child(guardian: Citizen, *, birth_date: date | None = None) -> Citizen:
    """A child under 14 (ten by default), with ``guardian`` as parent."""
    born = birth_date or date(utcnow().year - 10, 1, 1)
    ward = citizen(birth_date=born, sex="female", loa=1)
    guardianship(guardian, ward)
    return ward


# Organisations -------------------------------------------------------------------

_SECTORS: Final = {
    OrganisationKind.CLINIC: Sector.HEALTH,
    OrganisationKind.SCHOOL: Sector.EDUCATION,
    OrganisationKind.AGENCY: Sector.PUBLIC_ADMINISTRATION,
    OrganisationKind.OPERATIONS_CENTRE: Sector.OPERATIONS,
}
_NAMES: Final = {
    OrganisationKind.CLINIC: "Phòng khám Thử",
    OrganisationKind.SCHOOL: "Trường THCS Thử",
    OrganisationKind.AGENCY: "UBND xã Thử",
    OrganisationKind.OPERATIONS_CENTRE: "Trung tâm Điều hành Thử",
}


def organisation(kind: OrganisationKind, *, name: str | None = None) -> Organisation:
    """A registered organisation of ``kind``, in its sector, with a code of its own."""
    serial = next(_serial)
    built = Organisation(
        code=f"TEST-{kind.value}-{serial:06d}",
        name=name or f"{_NAMES[kind]} {serial}",
        kind=kind,
        sector=_SECTORS[kind],
        address=ADDRESS,
    )
    db.session.add(built)
    db.session.flush()
    return built


def clinic(*, name: str | None = None) -> Organisation:
    """A clinic that is not the demo's."""
    return organisation(OrganisationKind.CLINIC, name=name)


def school(
    *, grades: tuple[int, int] = (6, 9), name: str | None = None
) -> Organisation:
    """A school that is not the demo's, teaching ``grades`` (first, last) as its
    register says (lower secondary by default)."""
    built = organisation(OrganisationKind.SCHOOL, name=name)
    register.set_levels(built.id, *grades)
    db.session.flush()
    return built


def agency(*, name: str | None = None) -> Organisation:
    """A public agency that is not the deployment's."""
    return organisation(OrganisationKind.AGENCY, name=name)


def membership(who: Citizen, where: Organisation, role: Role) -> Membership:
    """Give ``who`` ``role`` at ``where`` (through the register's service)."""
    return identity_services.add_membership(who, where, role)


def staff(where: Organisation, role: Role, **person: Any) -> Citizen:
    """A new citizen holding ``role`` at ``where``: "a doctor of another clinic"."""
    who = citizen(**person)
    membership(who, where, role)
    return who


def acting(who: Citizen, where: Organisation, role: Role | str) -> Actor:
    """``who`` acting for ``where`` in ``role``, as a service sees a staff caller."""
    return Actor(citizen_id=who.id, org_id=where.id, role=Role(role).value)


def _stepped_up(who: Citizen) -> Actor:
    """``who`` on their own behalf, after a fresh level-2 login."""
    return Actor(citizen_id=who.id, acr="urn:vneid:loa:2", auth_time=utcnow())


# Consent -------------------------------------------------------------------------


def consent(
    subject: Citizen,
    *,
    grantee: Organisation,
    asked_by: Citizen,
    role: Role | str = Role.DOCTOR,
    approver: Citizen | None = None,
    categories: Iterable[str] = ("identity_basic",),
    purpose: str = "CAREMGT",
    access_mode: AccessMode = AccessMode.VIEW,
    valid_for: timedelta = timedelta(days=30),
    **request: Any,
) -> ConsentArtefact:
    """A live, signed consent artefact: ``asked_by`` (``role`` at ``grantee``) asks,
    and ``approver`` (the subject by default; a guardian for a child) approves.

    ``request`` adds to or overrides the request's fields (``data_from``,
    ``include_sensitive`` …), as ``consent.requests.create_request`` takes them.
    """
    today = utcnow().date()
    asked = consent_requests.create_request(
        acting(asked_by, grantee, role),
        {
            "subject_id": subject.id,
            "purpose": purpose,
            "categories": list(categories),
            "data_from": date(2000, 1, 1),
            "data_to": today,
            "valid_until": utcnow() + valid_for,
            "access_mode": access_mode,
            **request,
        },
    )
    artefact = consent_answers.approve(_stepped_up(approver or subject), asked.id, {})
    db.session.flush()
    return artefact


# Health book ---------------------------------------------------------------------

#: A record of each category, as a clinic posts it to the API (copy before changing:
#: ``RECORDS["allergies"] | {"substance": "Aspirin"}``).
RECORDS: Final[Mapping[str, dict[str, Any]]] = {
    "allergies": {"record_date": "2026-11-20", "substance": "Penicillin", "category": "medication",
                  "criticality": "high", "reaction": "Phát ban"},
    "conditions": {"record_date": "2026-11-20", "icd10_code": "J02.9", "description": "Viêm họng cấp",
                   "clinical_status": "active"},
    "encounters": {"record_date": "2026-11-20", "encounter_class": "outpatient",
                   "admitted_at": "2026-11-20T02:00:00+00:00", "reason": "Sốt"},
    "immunizations": {"record_date": "2026-11-20", "vaccine_code": "03",
                      "vaccine_name": "Sởi - Quai bị - Rubella", "dose_number": 2,
                      "programme": "expanded"},
    "medications": {"record_date": "2026-11-20", "medication": "Paracetamol 250 mg",
                    "dosage": "Uống khi sốt", "status": "active"},
    "observations": {"record_date": "2026-11-20", "category": "vital-signs", "loinc_code": "8310-5",
                     "name": "Nhiệt độ", "value": "38.2", "unit": "Cel",
                     "effective_at": "2026-11-20T02:30:00+00:00"},
}  # fmt: skip


def health_record(
    subject: Citizen,
    category: str = "allergies",
    *,
    clinic: Organisation,
    doctor: Citizen,
    **fields: Any,
) -> Any:
    """A record of care ``doctor`` of ``clinic`` writes into ``subject``'s book.

    ``fields`` override the category's record in :data:`RECORDS` (API form: dates
    as ISO strings); the record is validated as the API validates it.
    """
    kind = Category(category)
    data = CATEGORY_SCHEMAS[kind]().load(RECORDS[category] | fields)
    record = health_services.add_record(
        acting(doctor, clinic, Role.DOCTOR), subject, health_services.MODELS[kind], data
    )
    db.session.flush()
    return record


# School records ------------------------------------------------------------------


#: A school year that is over, so its transcripts can be signed (1 May 2026 on).
ENDED_YEAR: Final = "2025-2026"


def pupil(*, grade: int = 7, school_year: str = ENDED_YEAR, **person: Any) -> Citizen:
    """A child of the usual age for ``grade`` in ``school_year``."""
    born = date(int(school_year[:4]) - grade - 5, 9, 2)
    return citizen(birth_date=born, sex="female", loa=1, **person)


def enrolment(
    who: Citizen,
    where: Organisation,
    *,
    homeroom: Citizen,
    principal: Citizen,
    school_year: str = ENDED_YEAR,
    grade: int = 7,
    class_name: str | None = None,
) -> SchoolClass:
    """Enrol ``who`` in a class of ``where``'s register (opened, with ``homeroom``
    as its homeroom teacher, if need be), as ``principal`` does."""
    name = class_name or f"{grade}A1"
    as_principal = acting(principal, where, Role.PRINCIPAL)
    school_class = db.session.scalar(
        sa.select(SchoolClass).where(
            SchoolClass.school_id == where.id,
            SchoolClass.school_year == school_year,
            SchoolClass.name == name,
        )
    )
    if school_class is None:
        school_class = register.create_class(
            as_principal,
            where.id,
            {
                "school_year": school_year,
                "name": name,
                "grade": grade,
                "homeroom_teacher_id": homeroom.id,
            },
        )
    school_enrolment.enrol(
        as_principal,
        where.id,
        school_class.id,
        {
            "national_id": who.national_id,
            "full_name": who.full_name,
            "birth_date": who.birth_date,
        },
    )
    db.session.flush()
    return school_class


def draft_transcript(
    who: Citizen,
    where: Organisation,
    *,
    teacher: Citizen,
    principal: Citizen,
    school_year: str = ENDED_YEAR,
    grade: int = 7,
    content: Mapping[str, Any] | None = None,
) -> Transcript:
    """A draft of ``who``'s transcript, by ``teacher``, the homeroom teacher of the
    class ``who`` is enrolled in (see :func:`enrolment`) for that year and grade.

    Enrols ``who`` first if the register has no class of that grade for them.
    """
    class_name = f"{grade}A1"
    if (
        register.enrolled_class(
            who.id, where.id, school_year, grade=grade, class_name=class_name
        )
        is None
    ):
        enrolment(
            who,
            where,
            homeroom=teacher,
            principal=principal,
            school_year=school_year,
            grade=grade,
        )
    draft = school_drafting.create_draft(
        acting(teacher, where, Role.TEACHER),
        where.id,
        {
            "pupil_id": who.id,
            "school_year": school_year,
            "grade": grade,
            "class_name": class_name,
            "content": copy.deepcopy(dict(content or demo_content())),
        },
    )
    db.session.flush()
    return draft


def _as_read(_version: str) -> None:
    """A builder's signer has read the version it signs."""


def published_transcript(
    who: Citizen,
    where: Organisation,
    *,
    teacher: Citizen,
    principal: Citizen,
    **draft: Any,
) -> Transcript:
    """``who``'s transcript, drafted and signed by ``teacher``, then signed and so
    published (a signed credential) by ``principal``."""
    transcript = draft_transcript(
        who, where, teacher=teacher, principal=principal, **draft
    )
    # Each signer reads the version they sign (the service checks the year is over).
    school_signing.sign(
        acting(teacher, where, Role.TEACHER), transcript.id, read=_as_read
    )
    school_signing.sign(
        acting(principal, where, Role.PRINCIPAL), transcript.id, read=_as_read
    )
    db.session.flush()
    return transcript


# Dossiers ------------------------------------------------------------------------


def dossier(
    applicant: Citizen,
    *,
    procedure: str = RESIDENCE,
    form: Mapping[str, Any] | None = None,
    documents: Sequence[Mapping[str, Any]] | None = None,
    moves: Sequence[Mapping[str, Any]] = (),
    officer: Citizen | None = None,
) -> Dossier:
    """A dossier ``applicant`` files, then moved through ``moves`` (transition
    bodies, ``{"to": 2}`` …) by ``officer``, an officer of the procedure's agency
    (one is built if none is given).

    The defaults file a residence confirmation, which needs only the applicant's
    identity; other procedures need their own ``form`` and ``documents``.
    """
    filed = dossier_submission.submit(
        Actor(citizen_id=applicant.id),
        {
            "procedure_code": procedure,
            "form": dict(form)
            if form is not None
            else {"content": ["permanent"], "purpose": "Bổ sung hồ sơ vay vốn"},
            "documents": [dict(d) for d in documents]
            if documents is not None
            else [
                {
                    "code": "applicant_identity",
                    "reference": {"kind": "identity", "id": applicant.id},
                }
            ],
        },
    )
    if moves:
        agency_of = db.session.scalar(
            sa.select(Organisation)
            .join(Procedure, Procedure.agency_id == Organisation.id)
            .where(Procedure.code == procedure)
        )
        assert agency_of is not None, procedure
        mover = officer or staff(agency_of, Role.OFFICER)
        for move in moves:
            dossier_moves.transition(
                acting(mover, agency_of, Role.OFFICER), filed.id, dict(move)
            )
    db.session.flush()
    return filed
