"""Consent requests: an organisation asks, and sees what it asked.

A request is validated against the organisation's sector and rate-limited per
organisation; whether the national id names anyone is never revealed. The
citizen's (or guardian's) answer is :mod:`consent.answers`. Services flush;
routes commit.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app import audit
from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden, NotFound, Problem, ValidationFailed
from app.extensions import db
from app.pagination import Page, paginate
from consent import events
from consent.models import (
    MAX_ACCESS_WINDOW,
    REQUEST_LIFETIME,
    ConsentRequest,
    RequestStatus,
)
from consent.vocabulary import PURPOSES
from identity import services as identity_services
from identity.models import Citizen, Role
from identity.policies import is_guardian_of

REQUESTING_ROLES = frozenset(Role) - {Role.ANALYST}
#: The window of the per-organisation limit on consent requests.
REQUEST_RATE_WINDOW = timedelta(hours=1)
#: Requests one organisation may send in that window (``CONSENT_REQUESTS_PER_ORG_HOUR``):
#: a busy clinic's day at the counter, far below a sweep of the register.
DEFAULT_REQUESTS_PER_ORG_HOUR = 200


class TooManyConsentRequests(Problem):
    code, slug = 429, "too-many-consent-requests"


def _as_utc(moment: datetime) -> datetime:
    return (
        moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    )


def _validate_request(org_sector: Any, data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    purpose = PURPOSES[data["purpose"]]
    if org_sector not in purpose.sectors:
        errors["purpose"] = ["This purpose is not open to your organisation's sector."]
    outside = sorted(set(data["categories"]) - {c.value for c in purpose.categories})
    if outside:
        errors["categories"] = [
            f"Not reachable under this purpose: {', '.join(outside)}."
        ]
    if data["data_from"] > data["data_to"]:
        errors["data_to"] = ["The period must not end before it starts."]
    valid_until = _as_utc(data["valid_until"])
    if valid_until <= utcnow():
        errors["valid_until"] = ["Access must end in the future."]
    elif valid_until > utcnow() + MAX_ACCESS_WINDOW:
        errors["valid_until"] = ["Access may last at most one year."]
    if (data.get("frequency_limit") is None) != (data.get("frequency_unit") is None):
        errors["frequency_limit"] = ["Give both a limit and its unit, or neither."]
    return errors


def _resolve_subject(actor: Actor, data: dict[str, Any]) -> Citizen | None:
    """The citizen asked for, or ``None``; never tell the requester which."""
    if data.get("subject_id"):
        return db.session.get(Citizen, data["subject_id"])
    number = data.get("national_id") or ""
    citizen = identity_services.find_citizen_by_national_id(number)
    audit.record(
        "consent.subject_lookup",
        "success" if citizen else "failure",
        actor_id=actor.citizen_id,
        subject_key=audit.keyed_hash(f"national_id:{number}"),
        details={"org": str(actor.org_id)},
    )
    return citizen


def _check_request_rate(org_id: uuid.UUID) -> None:
    """Refuse (429) an organisation that has sent too many requests this hour.

    Counted from the requests themselves, so every worker and host agrees; a
    request for a national id that matches no one counts like any other.
    """
    limit: int = current_app.config.get(
        "CONSENT_REQUESTS_PER_ORG_HOUR", DEFAULT_REQUESTS_PER_ORG_HOUR
    )
    since = utcnow() - REQUEST_RATE_WINDOW
    recent = list(
        db.session.scalars(
            sa.select(ConsentRequest.created_at)
            .where(
                ConsentRequest.requester_org_id == org_id,
                ConsentRequest.created_at > since,
            )
            .order_by(ConsentRequest.created_at)
            .limit(limit)
        )
    )
    if len(recent) >= limit:
        wait = recent[0] + REQUEST_RATE_WINDOW - utcnow()
        raise TooManyConsentRequests(
            headers={"Retry-After": str(max(1, math.ceil(wait.total_seconds())))}
        )


def create_request(actor: Actor, data: dict[str, Any]) -> ConsentRequest:
    """An organisation asks a citizen for access (validated against its sector).

    The answer is the same whether or not the id names someone in the register:
    an unmatched request is kept, pending, until it expires, and reaches no one.
    Only the citizen (in her inbox) learns of it; the requester never gets her
    internal id before she consents.
    """
    if actor.org_id is None or actor.role not in {r.value for r in REQUESTING_ROLES}:
        raise Forbidden()
    organisation = identity_services.get_organisation(actor.org_id)
    errors = _validate_request(organisation.sector, data)
    if errors:
        raise ValidationFailed(errors=errors)
    _check_request_rate(organisation.id)
    subject = _resolve_subject(actor, data)
    request = ConsentRequest(
        requester_org_id=organisation.id,
        requested_by=actor.citizen_id,
        subject_id=subject.id if subject else None,
        purpose=data["purpose"],
        categories=sorted(set(data["categories"])),
        data_from=data["data_from"],
        data_to=data["data_to"],
        valid_until=_as_utc(data["valid_until"]),
        access_mode=data["access_mode"],
        frequency_limit=data.get("frequency_limit"),
        frequency_unit=data.get("frequency_unit"),
        include_sensitive=data.get("include_sensitive", False),
        note=data.get("note"),
        expires_at=utcnow() + REQUEST_LIFETIME,
    )
    db.session.add(request)
    db.session.flush()
    if subject is not None:
        events.consent_requested.send(
            request, subject=subject, organisation=organisation
        )
    audit.record(
        "consent.requested",
        "success" if subject else "unmatched",
        actor_id=actor.citizen_id,
        details={"request": str(request.id), "org": str(organisation.id)},
    )
    return request


def _subjects_of(actor: Actor) -> sa.ColumnElement[bool]:
    """Condition: the subject is the actor or a child the actor acts for today."""
    on = utcnow().date()
    wards = [w.id for w in identity_services.all_wards(actor.citizen_id, on)]
    return sa.or_(
        ConsentRequest.subject_id == actor.citizen_id,
        ConsentRequest.subject_id.in_(wards),
    )


def list_requests(
    actor: Actor, status: RequestStatus | None, *, cursor: str | None, limit: int
) -> Page[ConsentRequest]:
    """The citizen's (and their children's) inbox, or the organisation's sent requests."""
    statement = sa.select(ConsentRequest)
    if actor.org_id is not None:
        statement = statement.where(ConsentRequest.requester_org_id == actor.org_id)
    else:
        statement = statement.where(_subjects_of(actor))
    now = utcnow()
    if status == RequestStatus.PENDING:
        statement = statement.where(
            ConsentRequest.status == RequestStatus.PENDING,
            ConsentRequest.expires_at > now,
        )
    elif status == RequestStatus.EXPIRED:
        statement = statement.where(
            sa.or_(
                ConsentRequest.status == RequestStatus.EXPIRED,
                sa.and_(
                    ConsentRequest.status == RequestStatus.PENDING,
                    ConsentRequest.expires_at <= now,
                ),
            )
        )
    elif status is not None:
        statement = statement.where(ConsentRequest.status == status)
    return paginate(
        statement,
        sort=ConsentRequest.created_at,
        id_column=ConsentRequest.id,
        cursor=cursor,
        limit=limit,
    )


def _can_see_request(actor: Actor, request: ConsentRequest) -> bool:
    if actor.org_id is not None:
        return request.requester_org_id == actor.org_id
    if request.subject_id is None:
        return False
    return request.subject_id == actor.citizen_id or is_guardian_of(
        actor.citizen_id, request.subject_id, utcnow().date()
    )


def get_request(actor: Actor, request_id: uuid.UUID) -> ConsentRequest:
    """A request its subject, their guardian or the requester may see (else 404)."""
    request = db.session.get(ConsentRequest, request_id)
    if request is None or not _can_see_request(actor, request):
        raise NotFound()
    return request
