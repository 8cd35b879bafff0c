"""The public tracking page a receipt's QR code opens: where a dossier is, for
whoever holds its paper receipt, and nothing personal.

The link carries the receipt code and a key derived from it under the
application secret (HMAC), so it cannot be guessed from a receipt code alone (they
are sequential) and needs no column: a receipt printed before stays valid while
the secret does. The page shows the procedure, the agency, the named status, the
dates the receipt promises and when each status began; not the applicant, the
form, the documents, or any note an officer wrote.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app

from app.crypto import derive_key
from app.date_fields import LOCAL_TIMEZONE
from app.errors import NotFound
from app.extensions import db
from service_requests import deadlines
from service_requests.models import Dossier, DossierStatus
from service_requests.texts import STATUS_NAMES


def tracking_key(receipt_code: str) -> str:
    """The key printed with ``receipt_code``: 128 bits of HMAC, base64url."""
    mac = hmac.new(
        derive_key("dossier-tracking"), receipt_code.encode(), hashlib.sha256
    )
    return base64.urlsafe_b64encode(mac.digest()[:16]).decode().rstrip("=")


def tracking_url(dossier: Dossier) -> str:
    """The public tracking page of ``dossier``, as its receipt's QR code opens it."""
    base = current_app.config["BASE_URL"]
    return (
        f"{base}/track?c={dossier.receipt_code}&k={tracking_key(dossier.receipt_code)}"
    )


@dataclass(frozen=True)
class Step:
    """When the dossier entered a status."""

    status: str
    on: datetime


@dataclass(frozen=True)
class Tracked:
    """What the tracking page shows of a dossier."""

    receipt_code: str
    procedure: str
    agency: str
    status_code: int
    status: str
    received_on: date | None
    due_on: date
    finished: bool
    steps: list[Step]


def _local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TIMEZONE)


def find(receipt_code: str, key: str, language: str) -> Tracked:
    """The dossier a receipt names, when ``key`` is its key; else
    :class:`~app.errors.NotFound` (the same for an unknown code and a wrong key)."""
    if not receipt_code or len(receipt_code) > 40 or len(key) > 64:
        raise NotFound()
    if not hmac.compare_digest(tracking_key(receipt_code), key):
        raise NotFound()
    dossier = db.session.scalar(
        sa.select(Dossier).where(Dossier.receipt_code == receipt_code)
    )
    if dossier is None:
        raise NotFound()
    english = language == "en"
    name = 1 if english else 0
    steps = [
        Step(STATUS_NAMES[DossierStatus(event.to_status)][name], _local(event.at))
        for event in sorted(dossier.events, key=lambda event: event.seq)
        if event.from_status != event.to_status
    ]
    return Tracked(
        receipt_code=dossier.receipt_code,
        procedure=dossier.procedure.name_en if english else dossier.procedure.name,
        agency=(dossier.agency.name_en or dossier.agency.name)
        if english
        else dossier.agency.name,
        status_code=int(dossier.status),
        status=STATUS_NAMES[dossier.status][name],
        received_on=_local(dossier.received_at).date() if dossier.received_at else None,
        due_on=deadlines.due_day(dossier.due_at),
        finished=dossier.finished_at is not None,
        steps=steps,
    )
