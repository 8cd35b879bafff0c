"""The builders of tests/factories.py make what production could hold.

Each test reads what a builder made back through the API, as a caller would: a
record that only looked right in the database would not prove anything.
"""

from __future__ import annotations

import jwt as pyjwt

from consent.vocabulary import AccessMode
from identity.models import Role
from service_requests.models import DossierStatus
from tests import factories
from tests.demo_ids import CLINIC
from tests.problems import assert_problem


def test_built_citizens_are_strangers_with_ids_of_their_own(
    client, auth_headers, citizen
):
    first, second = factories.citizen(), factories.citizen(sex="female")
    assert first.national_id != second.national_id
    assert citizen(first.national_id) is first
    me = client.get("/api/v1/citizens/me", headers=auth_headers(first))
    assert me.status_code == 200
    assert me.get_json()["national_id"] == first.national_id
    assert client.get(
        "/api/v1/citizens/me/dependants", headers=auth_headers(first)
    ).get_json() == {"items": [], "next_cursor": None}


def test_a_built_child_is_her_guardians_dependant(client, auth_headers):
    parent = factories.citizen()
    ward = factories.child(parent)
    listed = client.get("/api/v1/citizens/me/dependants", headers=auth_headers(parent))
    assert [item["id"] for item in listed.get_json()["items"]] == [str(ward.id)]


def test_a_doctor_of_another_clinic_acts_for_it_and_only_for_it(
    client, auth_headers, organisation
):
    other = factories.clinic()
    doctor = factories.staff(other, Role.DOCTOR)
    own = client.post(
        "/api/v1/auth/act-as",
        json={"org_id": str(other.id)},
        headers=auth_headers(doctor),
    )
    assert own.status_code == 200, own.get_json()
    me = client.get(
        "/api/v1/me",
        headers={"Authorization": f"DPoP {own.get_json()['access_token']}"},
    )
    assert me.get_json()["acting"] == {"org_id": str(other.id), "role": "doctor"}
    demo_clinic = client.post(
        "/api/v1/auth/act-as",
        json={"org_id": str(organisation(CLINIC).id)},
        headers=auth_headers(doctor),
    )
    assert_problem(demo_clinic, 403, "membership-required")


def test_a_built_consent_is_signed_and_lets_its_clinic_read(client, auth_headers):
    other = factories.clinic()
    doctor = factories.staff(other, Role.DOCTOR)
    subject = factories.citizen()
    artefact = factories.consent(
        subject, grantee=other, asked_by=doctor, access_mode=AccessMode.STORE
    )
    claims = pyjwt.decode(artefact.jws, options={"verify_signature": False})
    assert claims["jti"] == str(artefact.id)
    assert claims["consent"]["grantee"]["code"] == other.code
    read = client.get(
        f"/api/v1/citizens/{subject.id}",
        headers=auth_headers(doctor, org=other, role="doctor"),
    )
    assert read.status_code == 200, read.get_json()


def test_a_guardian_approves_a_built_consent_for_a_child(client, auth_headers):
    parent = factories.citizen()
    ward = factories.child(parent)
    other = factories.clinic()
    doctor = factories.staff(other, Role.DOCTOR)
    artefact = factories.consent(ward, grantee=other, asked_by=doctor, approver=parent)
    assert artefact.grantor_id == parent.id
    assert artefact.grantor_kind.value == "guardian"


def test_a_built_health_record_is_in_the_book(client, auth_headers):
    other = factories.clinic()
    doctor = factories.staff(other, Role.DOCTOR)
    patient = factories.citizen()
    record = factories.health_record(
        patient, "allergies", clinic=other, doctor=doctor, substance="Aspirin"
    )
    listed = client.get(
        f"/api/v1/citizens/{patient.id}/health-book/allergies",
        headers=auth_headers(patient),
    )
    assert [(r["id"], r["substance"]) for r in listed.get_json()["items"]] == [
        (str(record.id), "Aspirin")
    ]


def test_built_transcripts_are_drafted_and_published_in_the_register(
    client, auth_headers
):
    school = factories.school()
    teacher = factories.staff(school, Role.TEACHER)
    principal = factories.staff(school, Role.PRINCIPAL)
    drafted_pupil = factories.pupil()
    drafted = factories.draft_transcript(
        drafted_pupil, school, teacher=teacher, principal=principal
    )
    assert drafted.status.value == "draft"
    pupil = factories.pupil()
    published = factories.published_transcript(
        pupil, school, teacher=teacher, principal=principal
    )
    assert published.status.value == "published"
    report = client.post(
        "/api/v1/transcripts/verify", json={"credential": published.credential}
    ).get_json()
    assert report["verified"] is True, report
    as_teacher = auth_headers(teacher, org=school, role="teacher")
    classes = client.get(
        f"/api/v1/schools/{school.id}/classes", headers=as_teacher
    ).get_json()["items"]
    assert [(c["name"], c["homeroom_teacher_id"]) for c in classes] == [
        ("7A1", str(teacher.id))
    ]
    enrolled = client.get(
        f"/api/v1/schools/{school.id}/classes/{classes[0]['id']}/enrolments",
        headers=as_teacher,
    ).get_json()["items"]
    assert {e["pupil_name"] for e in enrolled} == {
        drafted_pupil.full_name,
        pupil.full_name,
    }


def test_a_built_dossier_is_filed_and_moved_by_an_officer_of_its_agency(
    client, auth_headers
):
    applicant = factories.citizen()
    filed = factories.dossier(applicant, moves=[{"to": 2}])
    assert filed.status == DossierStatus.RECEIVED
    shown = client.get(f"/api/v1/dossiers/{filed.id}", headers=auth_headers(applicant))
    assert shown.get_json()["status"] == 2
