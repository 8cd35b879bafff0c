"""Taking a citizen's new notification to their phones, browsers and SMS.

Two jobs through the outbox (:mod:`app.jobs`), so each step retries alone:

* ``notifications.deliver`` (one per notification, enqueued with it): reads the
  citizen's preferences and devices and enqueues one send per target — a push to
  each device, and an SMS when the citizen has no device, or for what must not be
  missed (a consent request, an emergency access, a dossier that needs them or
  has its result). In quiet hours it waits until they end.
* ``notifications.send`` (one per notification and target): one provider call.
  A passing failure retries with backoff (``TryLater``); a refusal is a dead
  letter at once (``Rejected``); an address the provider says is gone removes the
  device (``Gone``). Each send carries a reference the SMS gateway drops when
  repeated, and a collapse key that makes a repeated push replace the first.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, current_app

from app import i18n, jobs
from app.db import insert_for, utcnow
from app.extensions import db
from app.unit_of_work import begin_writing
from identity.models import Citizen
from notifications import channels_config, metrics
from notifications.channels.base import (
    Gone,
    Message,
    Rejected,
    Target,
    TryLater,
)
from notifications.models import Device, Notification, Preferences, TextsSent

log = logging.getLogger(__name__)

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
DELIVER, SEND = "notifications.deliver", "notifications.send"
#: Dossier statuses that need the citizen or carry the result (the national table).
_DOSSIER_MUST_NOT_MISS = {3, 5, 6, 8, 9, 10}
_MUST_NOT_MISS_KINDS = {"consent_requested", "emergency_access"}
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


class GaveUp(Exception):  # noqa: N818 - the provider's verdict, kept as a dead letter
    """The provider refused the message itself: a dead letter, not a retry."""


def must_not_be_missed(notification: Notification) -> bool:
    """Whether a text goes too, even to a citizen whose phone has the app."""
    if notification.kind in _MUST_NOT_MISS_KINDS:
        return True
    return (
        notification.kind == "dossier_status"
        and notification.data.get("status") in _DOSSIER_MUST_NOT_MISS
    )


def preferences_of(citizen_id: uuid.UUID) -> Preferences:
    """The citizen's preferences (the defaults until they change them: all on, no
    quiet hours, Vietnamese)."""
    found = db.session.get(Preferences, citizen_id)
    return found or Preferences(
        citizen_id=citizen_id, push=True, sms=True, language="vi"
    )


def quiet_until(preferences: Preferences, now: datetime) -> datetime | None:
    """When the citizen's quiet hours end, if ``now`` is inside them."""
    start, end = preferences.quiet_start, preferences.quiet_end
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(LOCAL_TIME)
    at = local.time().replace(tzinfo=None)
    inside = start <= at < end if start < end else (at >= start or at < end)
    if not inside:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends


def texting_allowed(citizen_id: uuid.UUID, kind: str) -> bool:
    """Count a text of ``kind`` to the citizen, unless their allowance is spent: one
    of a kind in ``SMS_SPACING_SECONDS`` (an hour; the inbox holds the rest) and
    ``SMS_PER_CITIZEN_PER_DAY`` a day, so nobody can have a citizen texted again
    and again at the province's cost."""
    begin_writing()  # a decision on rows others may write (SQLite: take turns)
    now = utcnow()
    day = now.astimezone(LOCAL_TIME).date()
    # The row exists before it is locked: two deliveries for the same citizen at
    # once then take turns (FOR UPDATE) instead of both inserting it.
    db.session.execute(
        insert_for(db.engine.dialect.name)(TextsSent)
        .values(citizen_id=citizen_id, day=day, kind=kind, count=0, last_at=_LONG_AGO)
        .on_conflict_do_nothing()
    )
    sent = db.session.scalars(
        sa.select(TextsSent)
        .where(
            TextsSent.citizen_id == citizen_id,
            TextsSent.day == day,
            TextsSent.kind == kind,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    today = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(TextsSent.count), 0)).where(
            TextsSent.citizen_id == citizen_id, TextsSent.day == day
        )
    )
    spacing = timedelta(seconds=int(current_app.config["SMS_SPACING_SECONDS"]))
    if int(today or 0) >= int(current_app.config["SMS_PER_CITIZEN_PER_DAY"]):
        return False
    # Read after the lock: the delivery it waited for may have texted later than
    # this one began (its last_at after this one's start).
    now = max(utcnow(), sent.last_at)
    if sent.count and now - sent.last_at < spacing:
        return False
    sent.count += 1
    sent.last_at = now
    return True


def enqueue_delivery(notification: Notification) -> None:
    """Have a citizen's new notification delivered once the transaction commits."""
    jobs.enqueue(
        DELIVER,
        {"notification_id": str(notification.id)},
        dedupe_key=f"deliver:{notification.id}",
    )


def deliver(payload: dict[str, Any]) -> None:
    """The ``notifications.deliver`` job: plan one send per target."""
    notification = db.session.get(Notification, uuid.UUID(payload["notification_id"]))
    if notification is None or notification.citizen_id is None:
        return
    preferences = preferences_of(notification.citizen_id)
    ends = quiet_until(preferences, utcnow())
    if ends is not None:
        raise jobs.Defer(ends)
    devices = list(
        db.session.scalars(
            sa.select(Device).where(Device.citizen_id == notification.citizen_id)
        )
    )
    targets = [(str(d.id), d.channel) for d in devices] if preferences.push else []
    if preferences.sms and (not devices or must_not_be_missed(notification)):
        configured = channels_config.channel(current_app, "sms") is not None
        if not configured or texting_allowed(
            notification.citizen_id, notification.kind
        ):
            targets.append(("sms", "sms"))
        else:
            metrics.delivered("sms", "over-allowance")
    for target, channel in targets:
        jobs.enqueue(
            SEND,
            {
                "notification_id": str(notification.id),
                "target": target,
                "channel": channel,
                "kind": notification.kind,
            },
            dedupe_key=f"send:{notification.id}:{target}",
        )


def send(payload: dict[str, Any]) -> None:
    """The ``notifications.send`` job: one message to one device or phone number."""
    notification = db.session.get(Notification, uuid.UUID(payload["notification_id"]))
    if notification is None or notification.citizen_id is None:
        return
    address = _address(notification.citizen_id, payload["target"])
    if address is None:  # the device was removed, or there is no number
        metrics.delivered(payload["channel"], "no-address")
        return
    channel_name, target, device = address
    channel = channels_config.channel(current_app, channel_name)
    if channel is None:
        metrics.delivered(channel_name, "not-configured")
        return
    message = _message(notification, payload["target"])
    try:
        channel.send(target, message)
    except Gone:
        begin_writing()  # after the provider's answer, before forgetting the device
        metrics.delivered(channel_name, "gone")
        if device is not None:
            db.session.delete(device)
        return
    except TryLater:
        metrics.delivered(channel_name, "retry")
        raise
    except Rejected as refusal:
        metrics.delivered(channel_name, "rejected")
        raise GaveUp(str(refusal)) from refusal
    metrics.delivered(channel_name, "sent")


def _address(
    citizen_id: uuid.UUID, target: str
) -> tuple[str, Target, Device | None] | None:
    if target == "sms":
        phone = db.session.scalar(
            sa.select(Citizen.phone).where(Citizen.id == citizen_id)
        )
        return ("sms", Target(phone), None) if phone else None
    device = db.session.get(Device, uuid.UUID(target))
    if device is None or device.citizen_id != citizen_id:
        return None
    return device.channel, Target(device.address, dict(device.keys or {})), device


def _message(notification: Notification, target: str) -> Message:
    """The neutral message of ``notification`` in its reader's language."""
    language = preferences_of(notification.citizen_id).language  # type: ignore[arg-type]
    params = {
        key: value
        for key, value in notification.data.items()
        if key in ("org", "school") and isinstance(value, str)
    }
    return Message(
        title=i18n.translate(f"push.{notification.kind}", language, **params),
        body=i18n.translate("push.details", language),
        data={"notification_id": str(notification.id), "kind": notification.kind},
        collapse_key=notification.id.hex,
        reference=hashlib.sha256(f"{notification.id}:{target}".encode()).hexdigest()[
            :32
        ],
    )


def register(app: Flask) -> None:
    """Register the delivery jobs."""
    jobs.add_job(app, DELIVER, deliver)
    jobs.add_job(app, SEND, send, max_attempts=8, give_up_on=(GaveUp,))
