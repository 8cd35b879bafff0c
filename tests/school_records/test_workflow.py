"""Draft, homeroom signature, principal signature, revocation, correction, reading."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import sqlalchemy as sa

from app.audit import AuditEvent
from app.extensions import db
from identity.models import Organisation, Role
from notifications.models import Notification
from school_records import transcripts
from school_records.credentials import issuer_id
from school_records.models import Transcript
from tests import factories
from tests.demo_ids import AN, BINH, CLINIC, CUC, DUNG, HAI
from tests.problems import assert_problem
from tests.school_records.helpers import demo_transcript, draft_body, sign

#: Drafts here are for Bình's 2026-2027 year, in class 7A1 (see conftest).
pytestmark = pytest.mark.usefixtures("binh_in_7a1")


def create(client, school, citizen, **changes):
    response = client.post(
        f"/api/v1/schools/{school.id}/transcripts",
        json=draft_body(citizen(BINH).id, **changes),
        headers=school.teacher(),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def publish(client, school, citizen, **changes):
    draft = create(client, school, citizen, **changes)
    assert (
        sign(client, school.teacher(), draft["id"]).get_json()["status"]
        == "homeroom_signed"
    )
    published = sign(client, school.principal(), draft["id"])
    assert published.status_code == 200, published.get_json()
    return published.get_json()


@pytest.mark.usefixtures("year_over")
def test_draft_signed_by_teacher_then_principal_is_published_and_announced(
    client, school, citizen
):
    before = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.citizen_id == citizen(AN).id)
    )
    transcript = publish(client, school, citizen)
    assert transcript["status"] == "published"
    assert transcript["homeroom_teacher_id"] == str(citizen(DUNG).id)
    assert transcript["regulation"] == "TT22/2021/TT-BGDĐT"
    after = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.citizen_id == citizen(AN).id)
    )
    assert after == before + 1  # Bình is under 14: her guardian hears of it


@pytest.mark.usefixtures("year_over")
def test_principal_cannot_sign_before_the_homeroom_teacher(client, school, citizen):
    draft = create(client, school, citizen)
    response = sign(client, school.principal(), draft["id"])
    assert (
        assert_problem(response, 409, "transcript-state-conflict")["current_status"]
        == "draft"
    )
    again = sign(client, school.teacher(), draft["id"])
    assert again.status_code == 200
    assert_problem(
        sign(client, school.teacher(), draft["id"]), 409, "transcript-state-conflict"
    )


def test_a_teacher_of_another_school_is_refused(client, school, citizen, auth_headers):
    other = factories.school()
    draft = create(client, school, citizen)
    outsider = auth_headers(
        factories.staff(other, Role.TEACHER), org=other, role="teacher"
    )
    assert_problem(sign(client, outsider, draft["id"]), 403, "forbidden")
    posted = client.post(
        f"/api/v1/schools/{school.id}/transcripts",
        json=draft_body(citizen(BINH).id),
        headers=outsider,
    )
    assert_problem(posted, 403, "forbidden")


def test_a_contradicting_transcript_is_refused_naming_the_field(
    client, school, citizen
):
    body = draft_body(citizen(BINH).id)
    body["content"]["subjects"][0]["semester1"]["average"] = 9.9
    body["content"]["learning_result"]["year"] = "Chưa đạt"
    response = client.post(
        f"/api/v1/schools/{school.id}/transcripts", json=body, headers=school.teacher()
    )
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    assert set(errors) >= {
        "content.subjects.0.semester1.average",
        "content.learning_result.year",
    }


def primary_school(citizen, auth_headers) -> tuple[Organisation, dict[str, str]]:
    """A primary school (grades 1 to 5) where Bình was in grade 1 in 2019-2020, and
    the headers of her teacher there."""
    primary = factories.school(grades=(1, 5), name="Trường Tiểu học Chánh Nghĩa")
    teacher = factories.staff(primary, Role.TEACHER)
    factories.enrolment(
        citizen(BINH),
        primary,
        homeroom=teacher,
        principal=factories.staff(primary, Role.PRINCIPAL),
        school_year="2019-2020",
        grade=1,
        class_name="1A",
    )
    return primary, auth_headers(teacher, org=primary, role="teacher")


def primary_body(citizen, **content):
    return {
        "pupil_id": str(citizen(BINH).id), "school_year": "2019-2020", "grade": 1, "class_name": "1A",
        "content": {
            "subjects": [{"code": "TV", "name": "Tiếng Việt", "semester1": {"level": "Hoàn thành tốt", "score": 9}, "semester2": {"level": "Hoàn thành tốt", "score": 9}}],
            "qualities": {"Chăm chỉ": "Tốt"}, "competences": {"Tự chủ và tự học": "Đạt"}, "overall": "Hoàn thành tốt",
            "absences": {"excused": 0, "unexcused": 0}, "promotion": "lên lớp", **content,
        },
    }  # fmt: skip


def test_vocabularies_do_not_mix(client, school, citizen, auth_headers):
    body = draft_body(citizen(BINH).id)
    body["content"]["conduct"]["year"] = "Hoàn thành tốt"
    response = client.post(
        f"/api/v1/schools/{school.id}/transcripts", json=body, headers=school.teacher()
    )
    assert (
        "content.conduct.year"
        in assert_problem(response, 422, "validation-failed")["errors"]
    )
    primary, teacher = primary_school(citizen, auth_headers)
    mixed = primary_body(citizen)
    mixed["content"]["subjects"][0]["semester2"]["level"] = "Khá"
    refused = client.post(
        f"/api/v1/schools/{primary.id}/transcripts", json=mixed, headers=teacher
    )
    assert (
        "content.subjects.0.semester2.level"
        in assert_problem(refused, 422, "validation-failed")["errors"]
    )
    accepted = client.post(
        f"/api/v1/schools/{primary.id}/transcripts",
        json=primary_body(citizen),
        headers=teacher,
    )
    assert accepted.status_code == 201, accepted.get_json()
    assert accepted.get_json()["regulation"] == "TT27/2020/TT-BGDĐT"


@pytest.mark.parametrize(
    "field", ["qualities", "competences"], ids=["qualities", "competences"]
)
def test_primary_assessments_take_only_the_known_names(
    client, citizen, auth_headers, field
):
    """A map of free keys once let a draft grow a 7 MB credential."""
    primary, teacher = primary_school(citizen, auth_headers)
    unknown = client.post(
        f"/api/v1/schools/{primary.id}/transcripts",
        json=primary_body(citizen, **{field: {"Chăm chỉ": "Tốt", "Bịa ra": "Tốt"}}),
        headers=teacher,
    )
    problem = assert_problem(unknown, 422, "validation-failed")
    assert list(problem["errors"]) == [f"content.{field}"]
    assert "Bịa ra" not in unknown.get_data(as_text=True)
    # A megabyte key is refused too (the content's own size bound comes first),
    # and the answer does not echo it.
    huge = client.post(
        f"/api/v1/schools/{primary.id}/transcripts",
        json=primary_body(
            citizen, **{field: {"Chăm chỉ": "Tốt", "x" * 1_000_000: "Tốt"}}
        ),
        headers=teacher,
    )
    assert_problem(huge, 422, "validation-failed")
    assert len(huge.get_data()) < 2_000


def test_only_the_principal_revokes_and_suspends(client, school, citizen):
    transcript = demo_transcript(citizen)
    refused = client.post(
        f"/api/v1/transcripts/{transcript.id}/revoke",
        json={"reason": "nhầm"},
        headers=school.teacher(),
    )
    assert_problem(refused, 403, "forbidden")
    no_reason = client.post(
        f"/api/v1/transcripts/{transcript.id}/revoke",
        json={},
        headers=school.principal(),
    )
    assert "reason" in assert_problem(no_reason, 422, "validation-failed")["errors"]
    suspended = client.post(
        f"/api/v1/transcripts/{transcript.id}/suspend",
        json={"reason": "Đang xác minh"},
        headers=school.principal(),
    )
    assert suspended.get_json()["suspended"] is True
    assert_problem(
        client.post(
            f"/api/v1/transcripts/{transcript.id}/suspend",
            json={"reason": "lần hai"},
            headers=school.principal(),
        ),
        409,
        "transcript-state-conflict",
    )
    revoked = client.post(
        f"/api/v1/transcripts/{transcript.id}/revoke",
        json={"reason": "Cấp nhầm"},
        headers=school.principal(),
    )
    assert revoked.get_json()["status"] == "revoked"
    assert revoked.get_json()["revocation_reason"] == "Cấp nhầm"
    report = client.post(
        "/api/v1/transcripts/verify", json={"credential": transcript.credential}
    ).get_json()
    assert report["replaced_by"] is None  # revoked, and nothing replaces it
    named = {check["id"]: check["name"] for check in report["checks"]}
    assert named["status.revocation"] == "Thu hồi"


def test_a_correction_replaces_and_supersedes_the_original(client, school, citizen):
    original = demo_transcript(citizen)
    draft = client.post(
        f"/api/v1/transcripts/{original.id}/corrections", headers=school.teacher()
    )
    assert draft.status_code == 201
    correction = draft.get_json()
    assert correction["replaces_id"] == str(original.id)
    body = {
        "content": correction["content"]
        | {"homeroom_comment": "Đã đính chính nhận xét."}
    }
    assert (
        client.put(
            f"/api/v1/transcripts/{correction['id']}",
            json=body,
            headers=school.teacher(),
        ).status_code
        == 200
    )
    sign(client, school.teacher(), correction["id"])
    assert (
        sign(client, school.principal(), correction["id"]).get_json()["status"]
        == "published"
    )
    old = client.get(
        f"/api/v1/transcripts/{original.id}", headers=school.teacher()
    ).get_json()
    assert old["status"] == "revoked"
    assert old["revocation_reason"] == "superseded"

    # Whoever holds the old transcript learns that it was replaced, and where the
    # correction is (issue 16: the verify page links the one in force).
    report = client.post(
        "/api/v1/transcripts/verify", json={"credential": original.credential}
    ).get_json()
    assert report["verified"] is False
    assert report["replaced_by"]["transcript_id"] == correction["id"]
    assert f"/verify?t={correction['id']}&d=" in report["replaced_by"]["verify_url"]
    # Another school signing a credential that names this transcript's id learns
    # nothing of the correction (issue 16's attack review).
    other_school = factories.school()
    named = f"urn:uuid:{original.id}"
    assert transcripts.correction_in_force(named, issuer_id(other_school.id)) is None
    assert transcripts.correction_in_force(named, issuer_id(school.id)) is not None
    published = db.session.get(Transcript, uuid.UUID(correction["id"]))
    current = client.post(
        "/api/v1/transcripts/verify", json={"credential": published.credential}
    ).get_json()
    assert current["verified"] is True
    assert current["replaced_by"] is None


def test_signed_transcripts_are_frozen(client, school, citizen):
    transcript = demo_transcript(citizen)
    response = client.put(
        f"/api/v1/transcripts/{transcript.id}",
        json={"content": transcript.content},
        headers=school.teacher(),
    )
    assert_problem(response, 409, "transcript-state-conflict")


def test_pupil_side_reads_and_exports_are_logged(
    client, school, citizen, organisation, auth_headers
):
    transcript = demo_transcript(citizen)
    guardian = auth_headers(citizen(AN))
    listed = client.get(
        f"/api/v1/citizens/{citizen(BINH).id}/transcripts", headers=guardian
    ).get_json()
    assert [t["id"] for t in listed["items"]] == [str(transcript.id)]
    credential = client.get(
        f"/api/v1/transcripts/{transcript.id}/credential", headers=guardian
    )
    assert credential.status_code == 200
    assert credential.get_json()["credential"].count(".") == 2
    pdf = client.get(f"/api/v1/transcripts/{transcript.id}/pdf", headers=guardian)
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    exports = db.session.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "transcript.exported")
    ).all()
    assert [e["kind"] for e in exports] == ["jwt", "pdf"]
    stranger = client.get(
        f"/api/v1/citizens/{citizen(BINH).id}/transcripts",
        headers=auth_headers(citizen(HAI)),
    )
    assert_problem(stranger, 403, "consent-required")
    clinic = auth_headers(citizen(CUC), org=organisation(CLINIC), role="doctor")
    assert_problem(
        client.get(f"/api/v1/transcripts/{transcript.id}", headers=clinic),
        403,
        "consent-required",
    )


def test_drafts_are_invisible_outside_the_school(client, school, citizen, auth_headers):
    draft = create(client, school, citizen)
    assert_problem(
        client.get(
            f"/api/v1/transcripts/{draft['id']}", headers=auth_headers(citizen(AN))
        ),
        404,
        "not-found",
    )
    assert (
        client.get(
            f"/api/v1/transcripts/{draft['id']}", headers=school.teacher()
        ).status_code
        == 200
    )
    assert_problem(
        client.get(f"/api/v1/transcripts/{uuid.uuid4()}", headers=school.teacher()),
        404,
        "not-found",
    )


def test_one_live_transcript_per_pupil_year_and_school(client, school, citizen):
    create(client, school, citizen)
    again = client.post(
        f"/api/v1/schools/{school.id}/transcripts",
        json=draft_body(citizen(BINH).id),
        headers=school.teacher(),
    )
    assert_problem(again, 409, "transcript-exists")


def test_the_school_lists_its_transcripts_and_the_context_defines_their_types(
    client, school, citizen, auth_headers
):
    transcript = demo_transcript(citizen)
    url = f"/api/v1/schools/{school.id}/transcripts"
    listed = client.get(url, headers=school.teacher())
    assert listed.status_code == 200
    assert [t["id"] for t in listed.get_json()["items"]] == [str(transcript.id)]
    drafts = client.get(url, query_string={"status": "draft"}, headers=school.teacher())
    assert drafts.get_json()["items"] == []
    assert_problem(client.get(url, headers=auth_headers(citizen(AN))), 403, "forbidden")

    credential = client.get(
        f"/api/v1/transcripts/{transcript.id}/credential",
        headers=auth_headers(citizen(AN)),
    ).get_json()["credential"]
    claims = json.loads(base64.urlsafe_b64decode(credential.split(".")[1] + "=="))
    context = client.get("/contexts/hocba/v1")
    assert context.mimetype == "application/ld+json"
    assert context.request.url.removesuffix("/") in [
        c.removesuffix("/") for c in claims["@context"] if isinstance(c, str)
    ]
    terms = context.get_json()["@context"]
    assert set(claims["type"]) - {"VerifiableCredential"} <= set(terms)
