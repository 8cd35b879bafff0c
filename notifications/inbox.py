"""Notification inboxes: one per citizen, one per organisation (read by its staff).

A notification stores a kind and ids; its text is rendered in the reader's
language when listed, so a change of language needs no migration. Nothing here is
called by the domains: :mod:`notifications.subscribers` fills the inboxes from the
events they announce.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app import i18n
from app.auth import Actor
from app.db import utcnow
from app.errors import NotFound
from app.extensions import db
from app.pagination import Page, paginate
from identity import services as identity_services
from identity.models import Citizen
from notifications import delivery
from notifications.models import Notification


def notify_citizen(citizen_id: uuid.UUID, kind: str, **data: Any) -> None:
    """Add a notification to a citizen's inbox, and have it delivered to their
    devices (or by SMS) once the transaction commits."""
    notification = Notification(
        id=uuid.uuid4(), citizen_id=citizen_id, kind=kind, data=_jsonable(data)
    )
    db.session.add(notification)
    delivery.enqueue_delivery(notification)


def notify_org(org_id: uuid.UUID, kind: str, **data: Any) -> None:
    """Add a notification to an organisation's inbox."""
    db.session.add(Notification(org_id=org_id, kind=kind, data=_jsonable(data)))


def notify_subject_side(subject: Citizen, kind: str, **data: Any) -> None:
    """Notify the subject, or their guardians while they are under 14."""
    recipients = identity_services.guardians_of(subject, utcnow().date()) or [
        subject.id
    ]
    for recipient in recipients:
        notify_citizen(recipient, kind, subject=subject.full_name, **data)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: str(value) if isinstance(value, uuid.UUID) else value
        for key, value in data.items()
    }


def _inbox(actor: Actor) -> sa.ColumnElement[bool]:
    if actor.org_id is not None:
        return Notification.org_id == actor.org_id
    return Notification.citizen_id == actor.citizen_id


def list_for(
    actor: Actor, *, unread_only: bool, cursor: str | None, limit: int
) -> Page[Notification]:
    """The actor's inbox (the organisation's when acting for one), newest first."""
    statement = sa.select(Notification).where(_inbox(actor))
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return paginate(
        statement,
        sort=Notification.created_at,
        id_column=Notification.id,
        cursor=cursor,
        limit=limit,
    )


@dataclass(frozen=True)
class InboxPage:
    """A page of an inbox, with how many of its notifications are unread."""

    items: list[Notification]
    next_cursor: str | None
    unread: int


def page_for(
    actor: Actor, *, unread_only: bool, cursor: str | None, limit: int
) -> InboxPage:
    """A page of the actor's inbox and its unread count."""
    page = list_for(actor, unread_only=unread_only, cursor=cursor, limit=limit)
    return InboxPage(page.items, page.next_cursor, unread_count(actor))


def unread_count(actor: Actor) -> int:
    """How many notifications in the actor's inbox are unread."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).where(
                _inbox(actor), Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(actor: Actor, notification_id: uuid.UUID) -> Notification:
    """Mark one of the actor's notifications read (404 for anyone else's)."""
    notification = db.session.scalar(
        sa.select(Notification).where(Notification.id == notification_id, _inbox(actor))
    )
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def mark_all_read(actor: Actor, up_to: datetime | None) -> int:
    """Mark read every unread notification of the actor's inbox, those created up
    to ``up_to`` only when given (what the app has shown); how many it marked."""
    statement = (
        sa.update(Notification)
        .where(_inbox(actor), Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if up_to is not None:
        statement = statement.where(Notification.created_at <= up_to)
    return int(db.session.execute(statement).rowcount)  # type: ignore[attr-defined]


def render_text(notification: Notification) -> str:
    """The notification's text in the request's language."""
    params = {
        key: value for key, value in notification.data.items() if isinstance(value, str)
    }
    try:
        return i18n.translate(f"notification.{notification.kind}", **params)
    except KeyError:
        return notification.kind
