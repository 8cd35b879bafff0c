"""The attack review of issue 12: enrolment as an oracle of the population register.

A homeroom teacher at another school tried Bình's national id and name with every
birth date of 2014: 244 answers of 422, then a 409 ``pupil-already-enrolled`` at
2014-09-02 — her birth date, and that she is enrolled elsewhere this year — in
1.7 s, with no limit. Each test performs that attack; each one succeeded before.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit import AuditEvent
from app.extensions import db
from identity import services as identity_services
from identity.models import Organisation, OrganisationKind, Role, Sector
from school_records import register
from tests.demo_ids import BINH, EM
from tests.problems import assert_problem


@pytest.fixture
def other_school(client, citizen, auth_headers):
    """A second lower secondary school whose principal opens a 6th-grade class."""
    school = Organisation(
        code="74718002",
        name="Trường THCS Định Hòa",
        kind=OrganisationKind.SCHOOL,
        sector=Sector.EDUCATION,
        address="Phường Định Hòa, Bình Dương",
    )
    db.session.add(school)
    db.session.flush()
    register.set_levels(school.id, 6, 9)
    em = citizen(EM)
    identity_services.add_membership(em, school, Role.PRINCIPAL)
    identity_services.add_membership(em, school, Role.TEACHER)
    principal = auth_headers(em, org=school, role="principal")
    opened = client.post(
        f"/api/v1/schools/{school.id}/classes",
        json={"school_year": "2025-2026", "name": "6B1", "grade": 6,
              "homeroom_teacher_id": str(em.id)},
        headers=principal,
    )  # fmt: skip
    assert opened.status_code == 201, opened.get_json()
    return f"/api/v1/schools/{school.id}/classes/{opened.get_json()['id']}/enrolments"


def _papers(binh, born: date) -> dict[str, str]:
    return {
        "national_id": binh.national_id,
        "full_name": binh.full_name,
        "birth_date": born.isoformat(),
    }


def _comparable(response) -> dict:
    body = response.get_json()
    body.pop("request_id")
    return body


def test_a_pupil_enrolled_elsewhere_reads_like_no_match(
    client, citizen, auth_headers, other_school
):
    binh = citizen(BINH)
    em = citizen(EM)
    school = db.session.scalar(
        sa.select(Organisation).where(Organisation.code == "74718002")
    )
    headers = auth_headers(em, org=school, role="principal")

    wrong = client.post(
        other_school, json=_papers(binh, date(2014, 9, 3)), headers=headers
    )
    right = client.post(
        other_school, json=_papers(binh, binh.birth_date), headers=headers
    )

    assert_problem(wrong, 422, "validation-failed")
    assert_problem(right, 422, "validation-failed")
    assert _comparable(right) == _comparable(wrong)


def test_trying_every_birth_date_is_slowed_down_and_audited(
    client, citizen, auth_headers, other_school
):
    binh = citizen(BINH)
    school = db.session.scalar(
        sa.select(Organisation).where(Organisation.code == "74718002")
    )
    headers = auth_headers(citizen(EM), org=school, role="principal")
    answers = [
        client.post(
            other_school,
            json=_papers(binh, date(2014, 1, 1) + timedelta(days=day)),
            headers=headers,
        )
        for day in range(8)
    ]

    assert [a.status_code for a in answers[:5]] == [422] * 5
    assert all(a.status_code == 429 for a in answers[6:])
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert_problem(answers[-1], 429, "enrolment-throttled")
    # Once slowed down, even the right papers are not checked.
    right = client.post(
        other_school, json=_papers(binh, binh.birth_date), headers=headers
    )
    assert_problem(right, 429, "enrolment-throttled")
    outcomes = db.session.scalars(
        sa.select(AuditEvent.outcome).where(AuditEvent.action == "school.enrol")
    ).all()
    assert outcomes.count("failure") >= 5
    assert "throttled" in outcomes
