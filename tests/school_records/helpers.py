"""Shared moves of the school-records tests."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from identity.models import Citizen
from school_records.demo import demo_content
from school_records.models import Enrolment, SchoolClass, Transcript

AN, BINH, DUNG, EM, HAI, CUC = (
    "074095000101", "074314000102", "074088000104", "074180000105", "074099000108", "074190000103",
)  # fmt: skip
SCHOOL = "74718001"


def demo_transcript(citizen) -> Transcript:
    """Bình's published grade-6 transcript, seeded for every test."""
    found = db.session.scalar(
        sa.select(Transcript).where(Transcript.pupil_id == citizen(BINH).id)
    )
    assert found is not None
    return found


def content(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(demo_content())
    body.update(changes)
    return body


def draft_body(
    pupil_id: uuid.UUID, year: str = "2026-2027", grade: int = 7, **changes: Any
) -> dict[str, Any]:
    return {
        "pupil_id": str(pupil_id),
        "school_year": year,
        "grade": grade,
        "class_name": f"{grade}A1",
        "content": content(**changes),
    }


def enrol(
    pupil: Citizen,
    school_id: uuid.UUID,
    homeroom: Citizen,
    *,
    year: str = "2026-2027",
    grade: int = 7,
    class_name: str | None = None,
) -> SchoolClass:
    """Put ``pupil`` in a class (opened if need be) of the school's register."""
    name = class_name or f"{grade}A1"
    school_class = db.session.scalar(
        sa.select(SchoolClass).where(
            SchoolClass.school_id == school_id,
            SchoolClass.school_year == year,
            SchoolClass.name == name,
        )
    )
    if school_class is None:
        school_class = SchoolClass(
            school_id=school_id,
            school_year=year,
            name=name,
            grade=grade,
            homeroom_teacher_id=homeroom.id,
        )
        db.session.add(school_class)
        db.session.flush()
    db.session.add(
        Enrolment(
            class_id=school_class.id,
            school_id=school_id,
            school_year=year,
            pupil_id=pupil.id,
            enrolled_by=homeroom.id,
        )
    )
    db.session.flush()
    return school_class


class School:
    """Headers for the staff of the demo school (and of any other)."""

    def __init__(self, citizen, organisation, auth_headers) -> None:
        self.citizen, self.organisation, self._headers = (
            citizen,
            organisation,
            auth_headers,
        )
        self.id = organisation(SCHOOL).id

    def teacher(self) -> dict[str, str]:
        return self._headers(
            self.citizen(DUNG), org=self.organisation(SCHOOL), role="teacher"
        )

    def principal(self) -> dict[str, str]:
        return self._headers(
            self.citizen(EM), org=self.organisation(SCHOOL), role="principal"
        )

    def citizen_headers(self, national_id: str) -> dict[str, str]:
        return self._headers(self.citizen(national_id))
