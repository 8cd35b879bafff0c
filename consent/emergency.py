"""Break-glass: a doctor opens a 30-minute window on a patient's emergency summary.

The doctor must act for their clinic, give a reason and have logged in at level 2
within five minutes (the route's step-up). Opening the window writes a flagged
access event and an audit row, notifies the patient (or their guardians) at once,
and lands in the clinic's review queue. Reads inside the window are permitted by
``consent.policies`` for the emergency summary only.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from app import audit
from app.auth import Actor
from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from app.pagination import Page, paginate
from consent import events
from consent.models import AccessEvent, Basis, EmergencyAccess
from consent.vocabulary import Category
from identity import services as identity_services
from identity.models import Citizen, OrganisationKind, Role
from identity.policies import require_membership

#: Who opens a window, and who reviews the clinic's (never their own).
OPENERS = frozenset({Role.DOCTOR})
REVIEWERS = frozenset({Role.DOCTOR, Role.ORG_ADMIN})


def _require_clinic_role(actor: Actor, roles: frozenset[Role]) -> None:
    require_membership(actor, roles=roles, org_kind=OrganisationKind.CLINIC)


def open_window(actor: Actor, subject: Citizen, reason: str) -> EmergencyAccess:
    """Open an emergency-access window for the calling doctor."""
    _require_clinic_role(actor, OPENERS)
    now = utcnow()
    access = EmergencyAccess(
        subject_id=subject.id,
        org_id=actor.org_id,
        actor_id=actor.citizen_id,
        reason=reason,
        opened_at=now,
        expires_at=now + EmergencyAccess.WINDOW,
    )
    db.session.add(access)
    db.session.add(
        AccessEvent(
            subject_id=subject.id,
            actor_id=actor.citizen_id,
            org_id=actor.org_id,
            category=Category.EMERGENCY_SUMMARY.value,
            action="break_glass_start",
            basis=Basis.EMERGENCY,
            outcome="permit",
            reason="emergency",
        )
    )
    organisation = identity_services.get_organisation(actor.org_id)  # type: ignore[arg-type]
    events.emergency_access_opened.send(
        access, subject=subject, organisation=organisation
    )
    db.session.flush()
    audit.record(
        "consent.break_glass",
        "success",
        actor_id=actor.citizen_id,
        details={
            "emergency_access": str(access.id),
            "subject": str(subject.id),
            "org": str(organisation.id),
        },
    )
    return access


def list_for_review(
    actor: Actor, *, unreviewed: bool, cursor: str | None, limit: int
) -> Page[EmergencyAccess]:
    """The clinic's emergency accesses, newest first (its doctors and admins)."""
    _require_clinic_role(actor, REVIEWERS)
    statement = sa.select(EmergencyAccess).where(EmergencyAccess.org_id == actor.org_id)
    if unreviewed:
        statement = statement.where(EmergencyAccess.reviewed_at.is_(None))
    return paginate(
        statement,
        sort=EmergencyAccess.opened_at,
        id_column=EmergencyAccess.id,
        cursor=cursor,
        limit=limit,
    )


class AlreadyReviewed(Conflict):
    """A review is final: a second one would replace who judged the access."""

    slug = "emergency-access-reviewed"


def review(actor: Actor, access_id: uuid.UUID, note: str) -> EmergencyAccess:
    """Record the clinic's review of one emergency access, by someone else, once."""
    _require_clinic_role(actor, REVIEWERS)
    # Locked: two reviewers at once must not both find it unreviewed.
    access = db.session.get(EmergencyAccess, access_id, with_for_update=True)
    if access is None or access.org_id != actor.org_id:
        raise NotFound()
    if access.actor_id == actor.citizen_id:
        raise Forbidden()  # four eyes: nobody reviews their own break-glass
    if access.reviewed_at is not None:
        raise AlreadyReviewed()
    access.reviewed_at = utcnow()
    access.reviewed_by = actor.citizen_id
    access.review_note = note
    audit.record(
        "consent.break_glass.reviewed",
        "success",
        actor_id=actor.citizen_id,
        details={"emergency_access": str(access.id)},
    )
    return access
