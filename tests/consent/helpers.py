"""Shared moves of the consent tests: a clinic asks, a citizen answers, someone reads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from consent.models import AccessEvent
from tests.demo_ids import AN, CLINIC, CUC


class Parties:
    """Headers for every party of a consent test."""

    def __init__(self, citizen, organisation, auth_headers) -> None:
        self.citizen = citizen
        self.organisation = organisation
        self._headers = auth_headers

    def as_citizen(self, national_id: str, **kwargs: Any) -> dict[str, str]:
        return self._headers(self.citizen(national_id), **kwargs)

    def stepped_up(self, national_id: str) -> dict[str, str]:
        return self._headers(
            self.citizen(national_id), acr="urn:vneid:loa:2", auth_time=utcnow()
        )

    def as_staff(self, national_id: str, org_code: str, role: str) -> dict[str, str]:
        return self._headers(
            self.citizen(national_id), org=self.organisation(org_code), role=role
        )

    def clinic(self) -> dict[str, str]:
        return self.as_staff(CUC, CLINIC, "doctor")


def request_body(subject_id: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject_id": str(subject_id),
        "purpose": "CAREMGT",
        "categories": ["identity_basic"],
        "data_from": "2000-01-01",
        "data_to": utcnow().date().isoformat(),
        "valid_until": (utcnow() + timedelta(days=30)).isoformat(),
        "access_mode": "view",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def ask(client, headers, subject_id, **overrides) -> dict[str, Any]:
    response = client.post(
        "/api/v1/consent-requests",
        json=request_body(subject_id, **overrides),
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def grant(
    client, parties: Parties, subject_id, approver=AN, **overrides
) -> dict[str, Any]:
    """A clinic asks, the citizen (or guardian) approves; return the artefact."""
    request = ask(client, parties.clinic(), subject_id, **overrides)
    response = client.post(
        f"/api/v1/consent-requests/{request['id']}/approve",
        json={},
        headers=parties.stepped_up(approver),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def events(subject_id) -> list[AccessEvent]:
    return list(
        db.session.scalars(
            sa.select(AccessEvent)
            .where(AccessEvent.subject_id == subject_id)
            .order_by(AccessEvent.at)
        )
    )
