"""Shared moves of the school-records tests."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from school_records.demo import demo_content
from school_records.models import Transcript
from tests.demo_ids import BINH, DUNG, EM, SCHOOL


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


class School:
    """Headers for the staff of the demo school (another school: tests.factories)."""

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


def sign(client, headers: dict[str, str], transcript_id: str | uuid.UUID):
    """Read the transcript as the signer, then sign that version (``If-Match``)."""
    url = f"/api/v1/transcripts/{transcript_id}"
    read = client.get(url, headers=headers)
    version = {"If-Match": read.headers["ETag"]} if "ETag" in read.headers else {}
    return client.post(f"{url}/sign", headers=headers | version)
