"""The inbox's badge and 'mark all read': the caller's own inbox only."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from notifications.inbox import notify_citizen, notify_org
from notifications.models import Notification
from tests.demo_ids import AN, CLINIC, CUC, HAI


def _arrange(citizen, organisation) -> None:
    an, hai = citizen(AN), citizen(HAI)
    notify_citizen(an.id, "consent_requested", org_name="A")
    notify_citizen(an.id, "consent_requested", org_name="B")
    notify_citizen(hai.id, "consent_requested", org_name="C")
    notify_org(organisation(CLINIC).id, "consent_granted", subject="An")
    db.session.flush()


def _unread(citizen_id) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Notification.citizen_id == citizen_id, Notification.read_at.is_(None)
        )
    )


def test_the_badge_counts_my_unread_notifications(
    client, citizen, organisation, auth_headers
):
    _arrange(citizen, organisation)
    before = client.get(
        "/api/v1/notifications/unread", headers=auth_headers(citizen(AN))
    )
    assert before.status_code == 200
    mine = before.get_json()["unread"]
    assert mine == _unread(citizen(AN).id) >= 2
    assert client.get("/api/v1/notifications/unread").status_code == 401


def test_mark_all_read_touches_my_inbox_alone(
    client, citizen, organisation, auth_headers
):
    _arrange(citizen, organisation)
    hai_before = _unread(citizen(HAI).id)
    answer = client.post(
        "/api/v1/notifications/read", headers=auth_headers(citizen(AN))
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["marked"] >= 2
    assert answer.get_json()["unread"] == 0
    assert _unread(citizen(AN).id) == 0
    assert _unread(citizen(HAI).id) == hai_before  # someone else's stays unread
    clinic = db.session.scalar(
        sa.select(sa.func.count()).where(
            Notification.org_id == organisation(CLINIC).id,
            Notification.read_at.is_(None),
        )
    )
    assert clinic >= 1  # the clinic's inbox is the clinic's
    again = client.post("/api/v1/notifications/read", headers=auth_headers(citizen(AN)))
    assert again.get_json() == {"marked": 0, "unread": 0}


def test_up_to_leaves_what_arrived_since_unread(
    client, citizen, organisation, auth_headers
):
    _arrange(citizen, organisation)
    an = citizen(AN)
    shown_until = utcnow()
    later = Notification(
        citizen_id=an.id,
        kind="consent_requested",
        data={"org_name": "D"},
        created_at=shown_until + timedelta(seconds=5),
    )
    db.session.add(later)
    db.session.flush()
    answer = client.post(
        "/api/v1/notifications/read",
        query_string={"up_to": shown_until.isoformat()},
        headers=auth_headers(an),
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["unread"] == 1
    db.session.refresh(later)
    assert later.read_at is None


def test_staff_acting_for_the_clinic_mark_the_clinics_inbox(
    client, citizen, organisation, auth_headers
):
    _arrange(citizen, organisation)
    doctor = auth_headers(citizen(CUC), org=organisation(CLINIC), role="doctor")
    assert (
        client.get("/api/v1/notifications/unread", headers=doctor).get_json()["unread"]
        >= 1
    )
    answer = client.post("/api/v1/notifications/read", headers=doctor)
    assert answer.get_json()["unread"] == 0
    assert _unread(citizen(AN).id) >= 2  # An's own inbox is not the clinic's
