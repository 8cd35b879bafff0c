"""The phones and browsers a citizen registers for pushes, and their preferences.

Only the citizen themself (not a token acting for an organisation) registers,
lists or removes their devices; an address (an FCM token, a Web Push endpoint)
belongs to whoever registered it last, so a phone that changes hands, or a
family tablet logged in by another member, stops receiving the first one's
pushes.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import time
from typing import Any

import sqlalchemy as sa

from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden, NotFound
from app.extensions import db
from notifications.delivery import preferences_of
from notifications.models import Device, Preferences

#: A citizen's devices beyond this many: the one seen longest ago is dropped.
MAX_DEVICES = 10


def _citizen(actor: Actor) -> uuid.UUID:
    if actor.acts_for_org:
        raise Forbidden()
    return actor.citizen_id


def register(
    actor: Actor,
    *,
    platform: str,
    address: str,
    keys: dict[str, str] | None,
    label: str | None,
) -> tuple[Device, bool]:
    """Register (or renew) a device of the caller; the device, and whether it is new."""
    citizen_id = _citizen(actor)
    digest = hashlib.sha256(address.encode()).hexdigest()
    device = db.session.scalar(sa.select(Device).where(Device.address_digest == digest))
    now = utcnow()
    if device is not None and device.citizen_id == citizen_id:
        device.platform, device.keys, device.last_seen_at = platform, keys, now
        device.label = label or device.label
        return device, False
    if device is not None:  # another citizen's until now
        db.session.delete(device)
        db.session.flush()
    device = Device(
        id=uuid.uuid4(),
        citizen_id=citizen_id,
        platform=platform,
        address=address,
        address_digest=digest,
        keys=keys,
        label=label,
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(device)
    _keep_the_latest(citizen_id)
    return device, True


def _keep_the_latest(citizen_id: uuid.UUID) -> None:
    db.session.flush()
    stale = db.session.scalars(
        sa.select(Device)
        .where(Device.citizen_id == citizen_id)
        .order_by(Device.last_seen_at.desc(), Device.id)
        .offset(MAX_DEVICES)
    )
    for device in stale:
        db.session.delete(device)


def list_for(actor: Actor) -> list[Device]:
    """The caller's devices, most recently seen first."""
    return list(
        db.session.scalars(
            sa.select(Device)
            .where(Device.citizen_id == _citizen(actor))
            .order_by(Device.last_seen_at.desc(), Device.id)
        )
    )


def remove(actor: Actor, device_id: uuid.UUID) -> None:
    """Forget one of the caller's devices (404 for anyone else's)."""
    device = db.session.get(Device, device_id)
    if device is None or device.citizen_id != _citizen(actor):
        raise NotFound()
    db.session.delete(device)


def preferences(actor: Actor) -> Preferences:
    """The caller's notification preferences."""
    return preferences_of(_citizen(actor))


def set_preferences(
    actor: Actor,
    *,
    push: bool,
    sms: bool,
    quiet_hours: dict[str, time] | None,
    language: str,
) -> Preferences:
    """Replace the caller's preferences."""
    citizen_id = _citizen(actor)
    found = db.session.get(Preferences, citizen_id)
    if found is None:
        found = Preferences(citizen_id=citizen_id)
        db.session.add(found)
    found.push, found.sms, found.language = push, sms, language
    found.quiet_start = quiet_hours["start"] if quiet_hours else None
    found.quiet_end = quiet_hours["end"] if quiet_hours else None
    found.updated_at = utcnow()
    return found


def as_json(preferences: Preferences) -> dict[str, Any]:
    """Preferences as the API shows them."""
    quiet = (
        {"start": preferences.quiet_start, "end": preferences.quiet_end}
        if preferences.quiet_start is not None and preferences.quiet_end is not None
        else None
    )
    return {
        "push": preferences.push if preferences.push is not None else True,
        "sms": preferences.sms if preferences.sms is not None else True,
        "quiet_hours": quiet,
        "language": preferences.language or "vi",
    }
