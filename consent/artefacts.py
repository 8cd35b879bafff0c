"""Consent artefacts: who sees them, revocation, and expiry.

An artefact says what one organisation may read and until when; its subject (or
their guardian) and the grantee see it. Revocation works at once: the policy
check reads the artefact on every request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app import audit
from app.auth import Actor
from app.db import utcnow
from app.errors import NotFound
from app.extensions import db
from app.pagination import Page, paginate
from consent import answers, events
from consent.models import (
    ArtefactStatus,
    ConsentArtefact,
    ConsentRequest,
    ConsentStatusChange,
    RequestStatus,
)
from consent.problems import IllegalTransition
from identity import services as identity_services
from identity.models import Citizen
from identity.policies import is_guardian_of


def _can_see_artefact(actor: Actor, artefact: ConsentArtefact) -> bool:
    if actor.org_id is not None:
        return artefact.grantee_org_id == actor.org_id
    return artefact.subject_id == actor.citizen_id or is_guardian_of(
        actor.citizen_id, artefact.subject_id, utcnow().date()
    )


def list_artefacts(
    actor: Actor, status: ArtefactStatus | None, *, cursor: str | None, limit: int
) -> Page[ConsentArtefact]:
    """The citizen's (and children's) artefacts, or the organisation's own."""
    statement = sa.select(ConsentArtefact)
    if actor.org_id is not None:
        statement = statement.where(ConsentArtefact.grantee_org_id == actor.org_id)
    else:
        wards = [
            w.id for w in identity_services.all_wards(actor.citizen_id, utcnow().date())
        ]
        statement = statement.where(
            sa.or_(
                ConsentArtefact.subject_id == actor.citizen_id,
                ConsentArtefact.subject_id.in_(wards),
            )
        )
    now = utcnow()
    if status == ArtefactStatus.GRANTED:
        statement = statement.where(
            ConsentArtefact.status == ArtefactStatus.GRANTED,
            ConsentArtefact.valid_until > now,
        )
    elif status == ArtefactStatus.EXPIRED:
        statement = statement.where(
            sa.or_(
                ConsentArtefact.status == ArtefactStatus.EXPIRED,
                sa.and_(
                    ConsentArtefact.status == ArtefactStatus.GRANTED,
                    ConsentArtefact.valid_until <= now,
                ),
            )
        )
    elif status is not None:
        statement = statement.where(ConsentArtefact.status == status)
    return paginate(
        statement,
        sort=ConsentArtefact.created_at,
        id_column=ConsentArtefact.id,
        cursor=cursor,
        limit=limit,
    )


def get_artefact(actor: Actor, artefact_id: uuid.UUID) -> ConsentArtefact:
    """An artefact its subject, their guardian or the grantee may see (else 404)."""
    artefact = db.session.get(ConsentArtefact, artefact_id)
    if artefact is None or not _can_see_artefact(actor, artefact):
        raise NotFound()
    return artefact


@dataclass(frozen=True)
class SignedArtefact:
    """An artefact as the server signed it, and where its verifying keys are."""

    jws: str
    jwks_uri: str


def signed_artefact(actor: Actor, artefact_id: uuid.UUID) -> SignedArtefact:
    """The compact JWS of an artefact the caller may see (else 404), to verify."""
    artefact = get_artefact(actor, artefact_id)
    return SignedArtefact(
        jws=artefact.jws,
        jwks_uri=f"{current_app.config['BASE_URL']}/.well-known/jwks.json",
    )


def revoke(actor: Actor, artefact_id: uuid.UUID, reason: str | None) -> ConsentArtefact:
    """End an artefact now: by its subject or their guardian, or the grantee itself."""
    artefact = db.session.scalar(
        sa.select(ConsentArtefact)
        .where(ConsentArtefact.id == artefact_id)
        .with_for_update()
    )
    if artefact is None or not _can_see_artefact(actor, artefact):
        raise NotFound()
    if artefact.effective_status != ArtefactStatus.GRANTED:
        raise IllegalTransition(
            extra={"current_status": artefact.effective_status.value}
        )
    artefact.status = ArtefactStatus.REVOKED
    artefact.revoked_at = utcnow()
    artefact.history.append(
        ConsentStatusChange(
            status=ArtefactStatus.REVOKED, actor_id=actor.citizen_id, reason=reason
        )
    )
    events.consent_revoked.send(
        artefact,
        by_subject_side=actor.org_id is None,
        subject=db.session.get(Citizen, artefact.subject_id),
    )
    audit.record(
        "consent.revoked",
        "success",
        actor_id=actor.citizen_id,
        details={"artefact": str(artefact.id)},
    )
    return artefact


def expire_job(_: dict[str, Any]) -> None:
    """The worker's hourly job: :func:`expire_overdue`."""
    expire_overdue()


def expire_overdue(now: datetime | None = None) -> tuple[int, int]:
    """Mark overdue requests and artefacts expired and tell both sides.

    Reads never depend on this sweeper (they check times themselves); it keeps the
    stored status honest and sends the notifications.
    """
    now = now or utcnow()
    overdue_requests = db.session.scalars(
        sa.select(ConsentRequest).where(
            ConsentRequest.status == RequestStatus.PENDING,
            ConsentRequest.expires_at <= now,
        )
    ).all()
    for request in overdue_requests:
        answers.expire_request(request)
    overdue_artefacts = db.session.scalars(
        sa.select(ConsentArtefact).where(
            ConsentArtefact.status == ArtefactStatus.GRANTED,
            ConsentArtefact.valid_until <= now,
        )
    ).all()
    for artefact in overdue_artefacts:
        artefact.status = ArtefactStatus.EXPIRED
        artefact.history.append(ConsentStatusChange(status=ArtefactStatus.EXPIRED))
        events.consent_expired.send(artefact)
    db.session.flush()
    return len(overdue_requests), len(overdue_artefacts)
