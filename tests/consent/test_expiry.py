"""The sweeper marks what ran out and tells both sides."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from consent.models import (
    ArtefactStatus,
    ConsentArtefact,
    ConsentRequest,
    RequestStatus,
)
from notifications.models import Notification
from tests.consent.helpers import ask, grant
from tests.demo_ids import AN, BINH, CLINIC


def test_consent_expire_command_expires_requests_and_artefacts(
    app, client, parties, citizen, organisation
):
    request = ask(client, parties.clinic(), citizen(BINH).id)
    artefact = grant(client, parties, citizen(AN).id)
    past = utcnow() - timedelta(seconds=1)
    db.session.execute(
        sa.update(ConsentRequest)
        .where(ConsentRequest.id == uuid.UUID(request["id"]))
        .values(expires_at=past)
    )
    db.session.execute(sa.update(ConsentArtefact).values(valid_until=past))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["consent", "expire"])
    assert result.exit_code == 0, result.output
    assert "Expired 1 requests and 1 consents." in result.output
    db.session.expire_all()
    assert (
        db.session.get(ConsentRequest, uuid.UUID(request["id"])).status
        == RequestStatus.EXPIRED
    )
    expired = db.session.get(ConsentArtefact, uuid.UUID(artefact["id"]))
    assert expired.status == ArtefactStatus.EXPIRED
    assert [h.status for h in expired.history] == [
        ArtefactStatus.GRANTED,
        ArtefactStatus.EXPIRED,
    ]
    org_kinds = set(
        db.session.scalars(
            sa.select(Notification.kind).where(
                Notification.org_id == organisation(CLINIC).id
            )
        )
    )
    assert {"consent_request_expired", "consent_expired"} <= org_kinds
    guardian_kinds = set(
        db.session.scalars(
            sa.select(Notification.kind).where(
                Notification.citizen_id == citizen(AN).id
            )
        )
    )
    assert "consent_request_expired" in guardian_kinds

    again = app.test_cli_runner().invoke(args=["consent", "expire"])
    assert "Expired 0 requests and 0 consents." in again.output


def test_the_worker_expires_overdue_requests_every_hour_without_a_command(
    app, client, parties, citizen
):
    from app import queue

    request = ask(client, parties.clinic(), citizen(BINH).id)
    db.session.execute(
        sa.update(ConsentRequest)
        .where(ConsentRequest.id == uuid.UUID(request["id"]))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()

    with app.app_context():
        queue.tick(app)  # the hour's tick enqueues consent.expire_overdue and runs it

    db.session.expire_all()
    assert (
        db.session.get(ConsentRequest, uuid.UUID(request["id"])).status
        == RequestStatus.EXPIRED
    )
