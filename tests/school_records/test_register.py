"""The register transcripts rest on: grades taught, classes, enrolments, signers."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from identity.models import Role
from school_records import register
from school_records.models import Enrolment, SchoolClass, Transcript, TranscriptStatus
from school_records.transcripts import TranscriptExists
from tests import factories
from tests.demo_ids import BINH, DUNG, EM, HAI, SCHOOL
from tests.problems import assert_problem
from tests.school_records.helpers import demo_transcript, draft_body, sign


def classes_url(school) -> str:
    return f"/api/v1/schools/{school.id}/classes"


def open_class(client, school, citizen, **changes):
    body = {"school_year": "2026-2027", "name": "7A2", "grade": 7,
            "homeroom_teacher_id": str(citizen(DUNG).id)} | changes  # fmt: skip
    return client.post(classes_url(school), json=body, headers=school.principal())


def papers(pupil, **changes) -> dict[str, str]:
    return {
        "national_id": pupil.national_id,
        "full_name": pupil.full_name,
        "birth_date": pupil.birth_date.isoformat(),
    } | changes


def enrolments_url(school, class_id) -> str:
    return f"{classes_url(school)}/{class_id}/enrolments"


def draft(client, school, citizen, headers=None, **changes):
    return client.post(
        f"/api/v1/schools/{school.id}/transcripts",
        json=draft_body(citizen(BINH).id, **changes),
        headers=headers or school.teacher(),
    )


def test_the_demo_puts_binh_in_6a1_with_dung_as_homeroom_teacher(
    client, school, citizen
):
    levels = client.get(f"/api/v1/schools/{school.id}/levels").get_json()
    assert (levels["first_grade"], levels["last_grade"]) == (6, 9)
    listed = client.get(
        classes_url(school) + "?school_year=2025-2026", headers=school.teacher()
    ).get_json()["items"]
    assert [(c["name"], c["grade"], c["homeroom_teacher_name"]) for c in listed] == [
        ("6A1", 6, "Lê Văn Dũng")
    ]
    pupils = client.get(
        enrolments_url(school, listed[0]["id"]), headers=school.teacher()
    ).get_json()["items"]
    assert [(p["pupil_name"], p["withdrawn_at"]) for p in pupils] == [
        ("Nguyễn Thị Bình", None)
    ]


def test_the_principal_opens_classes_within_the_schools_grades(client, school, citizen):
    opened = open_class(client, school, citizen)
    assert opened.status_code == 201, opened.get_json()
    assert opened.get_json()["homeroom_teacher_id"] == str(citizen(DUNG).id)
    assert_problem(open_class(client, school, citizen), 409, "class-exists")
    by_teacher = client.post(
        classes_url(school),
        json={"school_year": "2026-2027", "name": "7A3", "grade": 7,
              "homeroom_teacher_id": str(citizen(DUNG).id)},
        headers=school.teacher(),
    )  # fmt: skip
    assert_problem(by_teacher, 403, "forbidden")
    grade_12 = open_class(client, school, citizen, name="12A1", grade=12)
    assert list(assert_problem(grade_12, 422, "validation-failed")["errors"]) == [
        "grade"
    ]
    not_a_teacher = open_class(
        client, school, citizen, name="7A4", homeroom_teacher_id=str(citizen(HAI).id)
    )
    assert list(assert_problem(not_a_teacher, 422, "validation-failed")["errors"]) == [
        "homeroom_teacher_id"
    ]
    far = open_class(client, school, citizen, name="7A5", school_year="2099-2100")
    assert list(assert_problem(far, 422, "validation-failed")["errors"]) == [
        "school_year"
    ]


@pytest.mark.usefixtures("binh_in_7a1")
def test_enrolling_needs_the_papers_and_every_refusal_reads_the_same(
    client, school, citizen
):
    class_id = open_class(client, school, citizen).get_json()["id"]
    binh = citizen(BINH)
    url = enrolments_url(school, class_id)
    refusals = [
        client.post(url, json=body, headers=school.teacher())
        for body in (
            papers(binh, full_name="Nguyễn Thị Bính"),
            papers(binh, birth_date="2014-09-03"),
            papers(binh, national_id="074314999999"),
        )
    ]
    bodies = []
    for refused in refusals:
        problem = assert_problem(refused, 422, "validation-failed")
        assert binh.id.hex not in refused.get_data(as_text=True)
        problem.pop("request_id")
        bodies.append(problem)
    assert bodies[0] == bodies[1] == bodies[2]
    assert list(bodies[0]["errors"]) == ["national_id"]
    # Bình is in 7A1 this year already; a second class needs a withdrawal first.
    assert_problem(
        client.post(url, json=papers(binh), headers=school.teacher()),
        409,
        "pupil-already-enrolled",
    )


def test_only_the_principal_or_the_classs_homeroom_teacher_enrols(
    client, school, citizen, auth_headers, organisation
):
    colleague = factories.staff(organisation(SCHOOL), Role.TEACHER)
    class_id = open_class(client, school, citizen).get_json()["id"]
    other_teacher = auth_headers(colleague, org=organisation(SCHOOL), role="teacher")
    refused = client.post(
        enrolments_url(school, class_id),
        json=papers(citizen(BINH)),
        headers=other_teacher,
    )
    assert_problem(refused, 403, "forbidden")


def test_an_adult_is_not_of_an_age_for_grade_6(client, school, citizen):
    class_id = open_class(
        client, school, citizen, name="6A9", grade=6, school_year="2025-2026"
    ).get_json()["id"]
    refused = client.post(
        enrolments_url(school, class_id),
        json=papers(citizen(HAI)),
        headers=school.principal(),
    )
    assert list(assert_problem(refused, 422, "validation-failed")["errors"]) == [
        "birth_date"
    ]
    assert citizen(HAI).full_name not in refused.get_data(as_text=True)


@pytest.mark.usefixtures("binh_in_7a1", "year_over")
def test_a_withdrawn_pupil_gets_no_new_transcript_signed(client, school, citizen):
    created = draft(client, school, citizen)
    assert created.status_code == 201, created.get_json()
    enrolment = db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.pupil_id == citizen(BINH).id,
            Enrolment.school_year == "2026-2027",
        )
    )
    withdraw = f"/api/v1/schools/{school.id}/enrolments/{enrolment.id}/withdraw"
    withdrawn = client.post(
        withdraw, json={"reason": "Chuyển trường"}, headers=school.principal()
    )
    assert withdrawn.get_json()["withdrawn_at"] is not None
    assert_problem(
        client.post(withdraw, json={"reason": "lần hai"}, headers=school.principal()),
        409,
        "enrolment-withdrawn",
    )
    assert_problem(
        sign(client, school.teacher(), created.get_json()["id"]),
        409,
        "enrolment-mismatch",
    )
    assert set(
        assert_problem(draft(client, school, citizen), 422, "validation-failed")[
            "errors"
        ]
    ) == {"pupil_id"}


@pytest.mark.usefixtures("binh_in_7a1")
def test_the_draft_names_the_pupils_own_class(client, school, citizen):
    body = draft_body(citizen(BINH).id) | {"class_name": "7A2"}
    wrong = client.post(
        f"/api/v1/schools/{school.id}/transcripts", json=body, headers=school.teacher()
    )
    assert list(assert_problem(wrong, 422, "validation-failed")["errors"]) == [
        "pupil_id"
    ]
    created = draft(client, school, citizen).get_json()
    moved = client.put(
        f"/api/v1/transcripts/{created['id']}",
        json={"class_name": "7A2", "content": created["content"]},
        headers=school.teacher(),
    )
    assert list(assert_problem(moved, 422, "validation-failed")["errors"]) == [
        "class_name"
    ]


@pytest.mark.usefixtures("binh_in_7a1", "year_over")
def test_only_the_classs_homeroom_teacher_signs_first(
    client, school, citizen, auth_headers, organisation
):
    colleague = factories.staff(organisation(SCHOOL), Role.TEACHER)
    created = draft(client, school, citizen).get_json()
    other_teacher = auth_headers(colleague, org=organisation(SCHOOL), role="teacher")
    assert_problem(
        sign(client, other_teacher, created["id"]), 403, "not-homeroom-teacher"
    )
    assert sign(client, school.teacher(), created["id"]).status_code == 200


@pytest.mark.usefixtures("year_over")
def test_one_person_cannot_sign_as_homeroom_teacher_and_as_principal(
    client, school, citizen, auth_headers, organisation
):
    em = citizen(EM)
    factories.membership(em, organisation(SCHOOL), Role.TEACHER)
    factories.enrolment(
        citizen(BINH),
        organisation(SCHOOL),
        homeroom=em,
        principal=em,
        class_name="7A9",
        school_year="2026-2027",
    )
    body = draft_body(citizen(BINH).id) | {"class_name": "7A9"}
    created = client.post(
        f"/api/v1/schools/{school.id}/transcripts", json=body, headers=school.teacher()
    ).get_json()
    as_teacher = auth_headers(em, org=organisation(SCHOOL), role="teacher")
    assert sign(client, as_teacher, created["id"]).status_code == 200
    refused = sign(client, school.principal(), created["id"])
    assert_problem(refused, 403, "signer-not-distinct")
    assert (
        db.session.get(Transcript, uuid.UUID(created["id"])).status
        == TranscriptStatus.HOMEROOM_SIGNED
    )


def test_the_database_holds_one_transcript_in_force_per_pupil_year_and_school(
    citizen,
):
    original = demo_transcript(citizen)
    twin = Transcript(
        **{
            column: getattr(original, column)
            for column in (
                "pupil_id", "school_id", "school_year", "grade", "class_name",
                "regulation", "content", "created_by",
            )
        },
        status=TranscriptStatus.PUBLISHED,
    )  # fmt: skip
    db.session.add(twin)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.flush()


def test_a_second_draft_of_the_year_slipping_past_the_check_is_a_409(
    client, school, citizen
):
    """As if two teachers drafted at once: the pending index refuses the second."""
    original = demo_transcript(citizen)
    pending = {"pupil_id": original.pupil_id, "school_id": original.school_id,
               "school_year": original.school_year, "grade": 6, "class_name": "6A1",
               "regulation": original.regulation, "content": original.content,
               "created_by": citizen(DUNG).id}  # fmt: skip
    db.session.add(Transcript(**pending, status=TranscriptStatus.HOMEROOM_SIGNED))
    db.session.flush()
    signed = sign(
        client,
        school.principal(),
        db.session.scalar(
            sa.select(Transcript.id).where(
                Transcript.status == TranscriptStatus.HOMEROOM_SIGNED
            )
        ),
    )
    assert assert_problem(signed, 409, "transcript-exists")["transcript_id"] == str(
        original.id
    )
    # Past the check, the pending index refuses the twin as a 409, session intact.
    with pytest.raises(TranscriptExists), register.refused_as(TranscriptExists()):
        db.session.add(Transcript(**pending, status=TranscriptStatus.DRAFT))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transcript)) >= 2


def test_a_class_of_another_school_is_not_found(client, school, citizen, auth_headers):
    other = factories.school()
    teacher = factories.staff(other, Role.TEACHER)
    demo_class = db.session.scalar(
        sa.select(SchoolClass.id).where(SchoolClass.school_id == school.id)
    )
    assert_problem(
        client.get(
            f"/api/v1/schools/{other.id}/classes/{demo_class}/enrolments",
            headers=auth_headers(teacher, org=other, role="teacher"),
        ),
        404,
        "not-found",
    )


def test_the_principal_enrols_a_pupil_and_hands_the_class_to_another_teacher(
    client, school, citizen, organisation
):
    binh = citizen(BINH)
    opened = open_class(client, school, citizen).get_json()
    enrolled = client.post(
        enrolments_url(school, opened["id"]),
        json=papers(binh),
        headers=school.principal(),
    )
    assert enrolled.status_code == 201, enrolled.get_json()
    assert (enrolled.get_json()["pupil_id"], enrolled.get_json()["school_year"]) == (
        str(binh.id),
        "2026-2027",
    )
    listed = client.get(
        enrolments_url(school, opened["id"]), headers=school.teacher()
    ).get_json()["items"]
    assert [p["pupil_name"] for p in listed] == ["Nguyễn Thị Bình"]

    colleague = factories.staff(organisation(SCHOOL), Role.TEACHER)
    handed = client.put(
        f"{classes_url(school)}/{opened['id']}",
        json={"homeroom_teacher_id": str(colleague.id)},
        headers=school.principal(),
    )
    assert handed.status_code == 200, handed.get_json()
    assert handed.get_json()["homeroom_teacher_id"] == str(colleague.id)
    assert handed.get_json()["homeroom_teacher_name"] == colleague.full_name
    by_teacher = client.put(
        f"{classes_url(school)}/{opened['id']}",
        json={"homeroom_teacher_id": str(citizen(DUNG).id)},
        headers=school.teacher(),
    )
    assert_problem(by_teacher, 403, "forbidden")
    kept = client.get(
        classes_url(school) + "?school_year=2026-2027", headers=school.teacher()
    ).get_json()["items"]
    assert [c["homeroom_teacher_id"] for c in kept] == [str(colleague.id)]
