"""Irreversible school acts need a recent level-2 login (review issue 11, finding 10)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from school_records.models import Transcript, TranscriptStatus
from tests.demo_ids import BINH, DUNG, EM, SCHOOL
from tests.problems import assert_problem
from tests.school_records.helpers import demo_transcript, draft_body, sign

#: Drafts here are for Bình's 2026-2027 year, in class 7A1 (see conftest).
pytestmark = pytest.mark.usefixtures("binh_in_7a1")

WEAK = [
    pytest.param({"acr": "urn:vneid:loa:1", "auth_time": None}, id="level-1"),
    pytest.param(
        {"acr": "urn:vneid:loa:2", "age": timedelta(minutes=6)}, id="level-2-too-old"
    ),
]


def headers_for(citizen, organisation, auth_headers, national_id, role, login):
    when = utcnow() - login.get("age", timedelta(seconds=5))
    return auth_headers(
        citizen(national_id),
        org=organisation(SCHOOL),
        role=role,
        acr=login["acr"],
        auth_time=when,
    )


def assert_step_up_challenge(response) -> None:
    assert_problem(response, 401, "insufficient-user-authentication")
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_user_authentication"' in challenge
    assert 'acr_values="urn:vneid:loa:2"' in challenge
    assert "max_age=300" in challenge


@pytest.mark.parametrize("login", WEAK)
@pytest.mark.parametrize("act", ["revoke", "suspend"])
def test_revoke_and_suspend_need_a_fresh_level_two_login(
    client, citizen, organisation, auth_headers, act, login
):
    transcript = demo_transcript(citizen)
    weak = headers_for(citizen, organisation, auth_headers, EM, "principal", login)
    refused = client.post(
        f"/api/v1/transcripts/{transcript.id}/{act}",
        json={"reason": "Cấp nhầm"},
        headers=weak,
    )
    assert_step_up_challenge(refused)
    db.session.expire_all()
    assert transcript.status == TranscriptStatus.PUBLISHED
    assert transcript.suspended is False

    fresh = headers_for(
        citizen, organisation, auth_headers, EM, "principal", {"acr": "urn:vneid:loa:2"}
    )
    done = client.post(
        f"/api/v1/transcripts/{transcript.id}/{act}",
        json={"reason": "Cấp nhầm"},
        headers=fresh,
    )
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["status"], done.get_json()["suspended"]) == (
        ("revoked", False) if act == "revoke" else ("published", True)
    )


@pytest.mark.parametrize("login", WEAK)
def test_lifting_a_suspension_needs_a_fresh_level_two_login(
    client, citizen, organisation, auth_headers, school, login
):
    transcript = demo_transcript(citizen)
    client.post(
        f"/api/v1/transcripts/{transcript.id}/suspend",
        json={"reason": "Đang xác minh"},
        headers=school.principal(),
    )
    weak = headers_for(citizen, organisation, auth_headers, EM, "principal", login)
    refused = client.post(
        f"/api/v1/transcripts/{transcript.id}/unsuspend",
        json={"reason": "Đã xác minh"},
        headers=weak,
    )
    assert_step_up_challenge(refused)
    db.session.expire_all()
    assert transcript.suspended is True


@pytest.mark.parametrize("login", WEAK)
def test_signing_needs_a_fresh_level_two_login(
    client, citizen, organisation, auth_headers, school, login
):
    """Both signatures: the homeroom teacher's and the principal's (which publishes,
    and for a correction revokes the transcript it supersedes)."""
    published = demo_transcript(citizen)
    draft = client.post(
        f"/api/v1/transcripts/{published.id}/corrections", headers=school.teacher()
    )
    assert draft.status_code == 201
    draft_id = draft.get_json()["id"]
    for national_id, role in ((DUNG, "teacher"), (EM, "principal")):
        weak = headers_for(
            citizen, organisation, auth_headers, national_id, role, login
        )
        assert_step_up_challenge(sign(client, weak, draft_id))
        fresh = headers_for(
            citizen,
            organisation,
            auth_headers,
            national_id,
            role,
            {"acr": "urn:vneid:loa:2"},
        )
        signed = sign(client, fresh, draft_id)
        assert signed.status_code == 200, signed.get_json()
    db.session.expire_all()
    assert published.status == TranscriptStatus.REVOKED
    assert published.revocation_reason == "superseded"


def test_drafting_stays_a_level_one_act(client, citizen, organisation, auth_headers):
    """Drafts are editable and undoable: no step-up, so routine data entry is not
    interrupted by a new login every five minutes."""
    weak = headers_for(
        citizen,
        organisation,
        auth_headers,
        DUNG,
        "teacher",
        {"acr": "urn:vneid:loa:1", "age": timedelta(hours=1)},
    )
    created = client.post(
        f"/api/v1/schools/{organisation(SCHOOL).id}/transcripts",
        json=draft_body(citizen(BINH).id),
        headers=weak,
    )
    assert created.status_code == 201, created.get_json()
    assert (
        db.session.scalar(
            sa.select(Transcript.status).where(
                Transcript.id == uuid.UUID(created.get_json()["id"])
            )
        )
        == TranscriptStatus.DRAFT
    )
