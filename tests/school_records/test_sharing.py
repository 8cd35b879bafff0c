"""A transferring pupil's transcripts reach the new school only with consent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.db import utcnow
from identity.models import Role
from tests import factories
from tests.demo_ids import AN, BINH
from tests.problems import assert_problem
from tests.school_records.helpers import demo_transcript

NEW_SCHOOL = "Trường THCS Phú Cường"


@pytest.fixture
def new_school(auth_headers) -> dict[str, str]:
    """Headers of a teacher of a second school, where Bình is transferring."""
    school = factories.school(name=NEW_SCHOOL)
    teacher = factories.staff(school, Role.TEACHER)
    return auth_headers(teacher, org=school, role="teacher")


def stepped_up(auth_headers, citizen) -> dict[str, str]:
    return auth_headers(citizen(AN), acr="urn:vneid:loa:2", auth_time=utcnow())


def test_share_code_lets_the_new_school_view_but_not_export(
    client, citizen, auth_headers, new_school
):
    pupil = citizen(BINH)
    transcript = demo_transcript(citizen)
    listing = f"/api/v1/citizens/{pupil.id}/transcripts"
    assert_problem(client.get(listing, headers=new_school), 403, "consent-required")

    code = client.post(
        "/api/v1/share-codes",
        json={"subject_id": str(pupil.id), "categories": ["transcripts"]},
        headers=stepped_up(auth_headers, citizen),
    ).get_json()["code"]
    artefact = client.post(
        f"/api/v1/share-codes/{code}/redeem", headers=new_school
    ).get_json()
    assert artefact["categories"] == ["transcripts"]
    assert artefact["purpose"] == "ENROLL"

    listed = client.get(listing, headers=new_school)
    assert listed.status_code == 200
    assert [t["id"] for t in listed.get_json()["items"]] == [str(transcript.id)]
    read = client.get(f"/api/v1/transcripts/{transcript.id}", headers=new_school)
    assert read.get_json()["content"]["subjects"]
    refused = client.get(
        f"/api/v1/transcripts/{transcript.id}/credential", headers=new_school
    )
    assert assert_problem(refused, 403, "consent-required")["reason"] == "view-only"

    log = client.get(
        f"/api/v1/citizens/{pupil.id}/access-log", headers=auth_headers(citizen(AN))
    ).get_json()["items"]
    by_new_school = [e for e in log if e["org_name"] == NEW_SCHOOL]
    assert {(e["action"], e["outcome"]) for e in by_new_school} == {
        ("read", "deny"),
        ("read", "permit"),
        ("export", "deny"),
    }


def test_a_store_consent_lets_the_new_school_take_the_credential(
    client, citizen, auth_headers, new_school
):
    pupil = citizen(BINH)
    transcript = demo_transcript(citizen)
    request = client.post(
        "/api/v1/consent-requests",
        json={
            "subject_id": str(pupil.id),
            "purpose": "ENROLL",
            "categories": ["transcripts"],
            "data_from": "2025-09-01",
            "data_to": utcnow().date().isoformat(),
            "valid_until": (utcnow() + timedelta(days=30)).isoformat(),
            "access_mode": "store",
        },
        headers=new_school,
    ).get_json()
    approved = client.post(
        f"/api/v1/consent-requests/{request['id']}/approve",
        json={},
        headers=stepped_up(auth_headers, citizen),
    )
    assert approved.status_code == 201

    credential = client.get(
        f"/api/v1/transcripts/{transcript.id}/credential", headers=new_school
    )
    assert credential.status_code == 200
    verified = client.post(
        "/api/v1/transcripts/verify",
        json={"credential": credential.get_json()["credential"]},
    ).get_json()
    assert verified["verified"] is True


@pytest.mark.parametrize(
    ("data_from", "shown"), [("2025-01-01", True), ("2026-06-01", False)]
)
def test_a_consent_period_applies_to_school_years(
    client, citizen, auth_headers, new_school, data_from, shown
):
    """Issue 11, finding 2's audit: a transcript outside the period is not shown."""
    from tests.consent.helpers import request_body

    pupil = citizen(BINH)
    transcript = demo_transcript(citizen)  # 2025-2026: ends 31 May 2026
    asked = client.post(
        "/api/v1/consent-requests",
        json=request_body(
            pupil.id, purpose="ENROLL", categories=["transcripts"], data_from=data_from
        ),
        headers=new_school,
    )
    assert asked.status_code == 201, asked.get_json()
    approved = client.post(
        f"/api/v1/consent-requests/{asked.get_json()['id']}/approve",
        json={},
        headers=stepped_up(auth_headers, citizen),
    )
    assert approved.status_code == 201, approved.get_json()

    listed = client.get(f"/api/v1/citizens/{pupil.id}/transcripts", headers=new_school)
    assert listed.status_code == 200
    ids = [t["id"] for t in listed.get_json()["items"]]
    read = client.get(f"/api/v1/transcripts/{transcript.id}", headers=new_school)
    if shown:
        assert ids == [str(transcript.id)]
        assert read.status_code == 200
    else:
        assert ids == []
        assert_problem(read, 404, "not-found")
