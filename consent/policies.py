"""The one enforcement point for every read of a citizen's data by someone else.

``authorize_read(actor, subject_id, category)`` combines rules, *deny wins*:

* the citizen themself, not acting for an organisation: permit (not logged);
* a guardian of a child under 14, not acting for an organisation: permit;
* staff acting for an organisation: permit only under a live artefact that names
  that organisation and the category, whose purpose reaches the category, whose
  data period covers what is asked, whose access mode allows the action, and whose
  frequency limit is not used up (otherwise 429 with ``Retry-After``);
* a doctor inside an emergency-access window they opened: permit, for the
  emergency summary only;
* staff whose membership has ended since their token was issued: deny.

Everything is read from the database on every call, so a revocation or an expiry
takes effect on the very next request, whatever tokens were issued before it.
Every cross-party decision, permit or deny, writes one access event the citizen can
read; a denial is committed before the 403/429 is raised, so it is never lost.

What a decision is lives in :mod:`consent.decisions`; the rule for reads under an
artefact, the one with most conditions, in :mod:`consent.artefact_rule`.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime

import sqlalchemy as sa

from app import unit_of_work
from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden, Problem
from app.extensions import db
from app.request_id import server_request_id
from consent import metrics
from consent.artefact_rule import artefact_rule
from consent.decisions import (
    NOT_APPLICABLE,
    Decision,
    Effect,
    Period,
    RecordScope,
    combine,
    scope_of,
)
from consent.models import AccessEvent, Basis, EmergencyAccess
from consent.vocabulary import Category
from identity.policies import holds_role, is_guardian_of


class ConsentRequired(Forbidden):
    slug = "consent-required"


class ConsentFrequencyExceeded(Problem):
    code, slug = 429, "consent-frequency-exceeded"


#: Reasons that say only that nothing was granted for the category asked about.
NOTHING_GRANTED = frozenset({"no-artefact", "category-not-granted"})


def more_telling(kept: Problem | None, refused: Problem) -> Problem:
    """Of the refusals of several categories read together, the one to answer with.

    The refusal of a category that was granted, but not for this (view only, its
    frequency used up), says more than that of a category never granted.
    """
    if kept is None:
        return refused
    if (
        kept.extra.get("reason") in NOTHING_GRANTED
        and refused.extra.get("reason") not in NOTHING_GRANTED
    ):
        return refused
    return kept


def _membership_rule(actor: Actor) -> Decision:
    if actor.org_id is None:
        return NOT_APPLICABLE
    if not holds_role(actor.citizen_id, actor.org_id, actor.role):
        return Decision(Effect.DENY, reason="membership-ended")
    return NOT_APPLICABLE


def _self_rule(actor: Actor, subject_id: uuid.UUID) -> Decision:
    if actor.org_id is None and actor.citizen_id == subject_id:
        return Decision(Effect.PERMIT, Basis.SELF)
    return NOT_APPLICABLE


def _guardian_rule(actor: Actor, subject_id: uuid.UUID, at: datetime) -> Decision:
    if (
        actor.org_id is None
        and actor.citizen_id != subject_id
        and is_guardian_of(actor.citizen_id, subject_id, at.date())
    ):
        return Decision(Effect.PERMIT, Basis.GUARDIAN)
    return NOT_APPLICABLE


def _emergency_rule(
    actor: Actor, subject_id: uuid.UUID, category: Category, at: datetime
) -> Decision:
    if actor.org_id is None or category != Category.EMERGENCY_SUMMARY:
        return NOT_APPLICABLE
    window = db.session.scalar(
        sa.select(EmergencyAccess.id)
        .where(
            EmergencyAccess.subject_id == subject_id,
            EmergencyAccess.org_id == actor.org_id,
            EmergencyAccess.actor_id == actor.citizen_id,
            EmergencyAccess.opened_at <= at,
            EmergencyAccess.expires_at > at,
        )
        # no mutate: scalar() reads the first row either way; this spares the rest.
        .limit(1)  # pragma: no mutate
    )
    if window is None:
        return NOT_APPLICABLE
    return Decision(Effect.PERMIT, Basis.EMERGENCY)


def decide(
    actor: Actor,
    subject_id: uuid.UUID,
    category: Category,
    *,
    action: str,
    at: datetime | None = None,
    period: Period | None = None,
) -> Decision:
    """Combine every rule for one read (no side effects); ``action`` is ``read``
    or ``export``."""
    at = at or utcnow()
    artefact_decision = artefact_rule(actor, subject_id, category, at, action, period)
    decision = combine(
        [
            _membership_rule(actor),
            _self_rule(actor, subject_id),
            _guardian_rule(actor, subject_id, at),
            _emergency_rule(actor, subject_id, category, at),
            artefact_decision,
        ]
    )
    if (
        not decision.allowed
        and decision.reason == "no-basis"
        and artefact_decision.reason
    ):
        # The refusal, told by why no artefact applied rather than "no basis".
        return replace(decision, reason=artefact_decision.reason)
    return decision


def record_access(
    actor: Actor,
    subject_id: uuid.UUID,
    category: Category,
    action: str,
    decision: Decision,
) -> None:
    """Log one cross-party decision where the citizen sees it, whatever follows.

    The event is kept by the unit of work: a denial, or a read whose request fails
    later, is logged all the same.
    """
    artefact_id = decision.artefact.id if decision.artefact else None
    metrics.decided("permit" if decision.allowed else "deny", str(decision.basis.value))
    unit_of_work.keep(
        AccessEvent(
            subject_id=subject_id,
            actor_id=actor.citizen_id,
            org_id=actor.org_id,
            category=category.value,
            action=action,
            basis=decision.basis,
            artefact_id=artefact_id,
            outcome="permit" if decision.allowed else "deny",
            reason=decision.reason,
            request_id=server_request_id(),
        )
    )


def authorize_read(
    actor: Actor,
    subject_id: uuid.UUID,
    category: Category,
    *,
    at: datetime | None = None,
    action: str = "read",
    period: Period | None = None,
) -> Decision:
    """Decide one read, log it if cross-party, and refuse it with a problem if denied.

    :raise ConsentRequired: 403, no basis or a veto.
    :raise ConsentFrequencyExceeded: 429, the artefact's frequency limit is used up.
    """
    decision = decide(actor, subject_id, category, at=at, action=action, period=period)
    if decision.basis != Basis.SELF:
        record_access(actor, subject_id, category, action, decision)
    if decision.allowed:
        return decision
    if decision.retry_after is not None:
        raise ConsentFrequencyExceeded(
            # no mutate: header names ignore case (RFC 9110), so do mutants of it.
            headers={"Retry-After": str(decision.retry_after)},  # pragma: no mutate
            extra={"reason": decision.reason},
        )
    raise ConsentRequired(extra={"reason": decision.reason})


def authorize_records(
    actor: Actor,
    subject_id: uuid.UUID,
    category: Category,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    action: str = "read",
) -> RecordScope:
    """Decide (and log) a read of one category and say which of its rows it shows.

    :raise ConsentRequired: 403, no basis or a veto.
    :raise ConsentFrequencyExceeded: 429, the artefact's frequency limit is used up.
    """
    # no mutate: (None, None) asks what None asks (_inside holds for open bounds).
    asked = (
        (date_from, date_to) if (date_from or date_to) else None  # pragma: no mutate
    )
    decision = authorize_read(actor, subject_id, category, action=action, period=asked)
    return scope_of(decision, date_from, date_to)


def authorize_reuse(
    actor: Actor, subject_id: uuid.UUID, category: Category, handling_org_id: uuid.UUID
) -> Decision:
    """Decide (and log) a read of data a citizen attached to a dossier (once-only reuse).

    The citizen's submission is the basis for the organisation handling that dossier
    (basis ``dossier``) and for no one else; an ended membership still vetoes it.
    Any other caller — the applicant, a guardian — is decided like any read.

    :raise ConsentRequired: 403, no basis or a veto.
    """
    if actor.org_id is None or actor.org_id != handling_org_id:
        return authorize_read(actor, subject_id, category)
    veto = _membership_rule(actor)
    decision = (
        veto if veto.effect == Effect.DENY else Decision(Effect.PERMIT, Basis.DOSSIER)
    )
    record_access(actor, subject_id, category, "read", decision)
    if not decision.allowed:
        raise ConsentRequired(extra={"reason": decision.reason})
    return decision


def record_presentation(
    actor: Actor, subject_id: uuid.UUID, category: Category
) -> None:
    """Log that ``actor``'s organisation read data the citizen showed it from a
    wallet (basis ``presentation``): their own act, told in their access log."""
    record_access(
        actor, subject_id, category, "read", Decision(Effect.PERMIT, Basis.PRESENTATION)
    )
