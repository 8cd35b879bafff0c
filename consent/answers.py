"""The citizen's (or guardian's) answer to a consent request.

Approval may narrow what was asked — fewer categories, a shorter period or
window — never widen it, and creates the signed artefact. Services flush; routes
commit. Where a refusal must leave a trace (a request that expired, which the
requester must hear about), the unit of work keeps it.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from app import audit, unit_of_work
from app.auth import Actor
from app.db import utcnow
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from consent import events, signing
from consent.models import (
    ArtefactStatus,
    ConsentArtefact,
    ConsentRequest,
    ConsentStatusChange,
    GrantorKind,
    RequestStatus,
)
from consent.problems import IllegalTransition, NotYourRequest
from identity.models import Citizen
from identity.policies import is_guardian_of


@dataclass(frozen=True)
class Scope:
    """What a request asks for, or an approval grants."""

    categories: frozenset[str]
    data_from: date
    data_to: date
    valid_until: datetime


def narrow(requested: Scope, changes: dict[str, Any]) -> Scope:
    """Apply a citizen's narrowing to a request; refuse anything wider (422).

    Omitted fields keep the requested value. Fewer categories, a later start, an
    earlier end and a shorter window are accepted; nothing else.
    """
    granted = requested
    errors: dict[str, list[str]] = {}
    if changes.get("categories") is not None:
        categories = frozenset(changes["categories"])
        if not categories:
            errors["categories"] = ["Choose at least one category."]
        elif not categories <= requested.categories:
            errors["categories"] = [
                "Only categories that were requested can be granted."
            ]
        granted = replace(granted, categories=categories)
    if changes.get("data_from") is not None:
        if changes["data_from"] < requested.data_from:
            errors["data_from"] = ["The period cannot start earlier than requested."]
        granted = replace(granted, data_from=changes["data_from"])
    if changes.get("data_to") is not None:
        if changes["data_to"] > requested.data_to:
            errors["data_to"] = ["The period cannot end later than requested."]
        granted = replace(granted, data_to=changes["data_to"])
    if granted.data_from > granted.data_to:
        errors.setdefault("data_to", []).append(
            "The period must not end before it starts."
        )
    if changes.get("valid_until") is not None:
        if changes["valid_until"] > requested.valid_until:
            errors["valid_until"] = ["Access cannot last longer than requested."]
        elif changes["valid_until"] <= utcnow():
            errors["valid_until"] = ["Access must end in the future."]
        granted = replace(granted, valid_until=changes["valid_until"])
    if errors:
        raise ValidationFailed(errors=errors)
    return granted


def _answering(
    actor: Actor, request_id: uuid.UUID
) -> tuple[ConsentRequest, GrantorKind]:
    request = db.session.scalar(
        sa.select(ConsentRequest)
        .where(ConsentRequest.id == request_id)
        .with_for_update()
    )
    if request is None or request.subject_id is None:
        raise NotFound()
    if actor.org_id is None and request.subject_id == actor.citizen_id:
        kind = GrantorKind.SELF
    elif actor.org_id is None and is_guardian_of(
        actor.citizen_id, request.subject_id, utcnow().date()
    ):
        kind = GrantorKind.GUARDIAN
    else:
        raise NotYourRequest()
    if request.is_overdue():
        # The refusal rolls the request back; the expiry it found is kept.
        unit_of_work.keep(functools.partial(_expire_if_pending, request.id))
        raise IllegalTransition(extra={"current_status": RequestStatus.EXPIRED.value})
    if request.status != RequestStatus.PENDING:
        raise IllegalTransition(extra={"current_status": request.status.value})
    return request, kind


def approve(
    actor: Actor, request_id: uuid.UUID, changes: dict[str, Any]
) -> ConsentArtefact:
    """Approve a pending request, possibly narrowed; create the signed artefact."""
    request, kind = _answering(actor, request_id)
    subject_id = request.subject_id
    if subject_id is None:  # _answering never finds such a request; mypy cannot tell
        raise NotFound()
    requested = Scope(
        frozenset(request.categories),
        request.data_from,
        request.data_to,
        request.valid_until,
    )
    granted = narrow(requested, changes)
    now = utcnow()
    artefact = ConsentArtefact(
        request_id=request.id,
        subject_id=subject_id,
        grantor_id=actor.citizen_id,
        grantor_kind=kind,
        grantee_org_id=request.requester_org_id,
        purpose=request.purpose,
        categories=sorted(granted.categories),
        data_from=granted.data_from,
        data_to=granted.data_to,
        valid_from=now,
        valid_until=granted.valid_until,
        access_mode=request.access_mode,
        frequency_limit=request.frequency_limit,
        frequency_unit=request.frequency_unit,
        include_sensitive=request.include_sensitive,
    )
    db.session.add(artefact)
    db.session.flush()
    artefact.history.append(
        ConsentStatusChange(status=ArtefactStatus.GRANTED, actor_id=actor.citizen_id)
    )
    artefact.jws = signing.sign_artefact(artefact)
    request.status = RequestStatus.APPROVED
    request.answered_at, request.answered_by = now, actor.citizen_id
    events.consent_approved.send(request, artefact=artefact)
    audit.record(
        "consent.granted",
        "success",
        actor_id=actor.citizen_id,
        details={"artefact": str(artefact.id), "grantor": kind.value},
    )
    return artefact


def deny(actor: Actor, request_id: uuid.UUID) -> ConsentRequest:
    """Deny a pending request."""
    request, _ = _answering(actor, request_id)
    request.status = RequestStatus.DENIED
    request.answered_at, request.answered_by = utcnow(), actor.citizen_id
    events.consent_denied.send(request)
    audit.record(
        "consent.denied",
        "success",
        actor_id=actor.citizen_id,
        details={"request": str(request.id)},
    )
    return request


def _expire_if_pending(request_id: uuid.UUID) -> None:
    request = db.session.get(ConsentRequest, request_id)
    if request is not None and request.status == RequestStatus.PENDING:
        expire_request(request)


def expire_request(request: ConsentRequest) -> None:
    request.status = RequestStatus.EXPIRED
    subject = (
        db.session.get(Citizen, request.subject_id) if request.subject_id else None
    )
    events.consent_request_expired.send(request, subject=subject)
