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
"""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import has_request_context, request

from app import unit_of_work
from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden, Problem
from app.extensions import db
from app.request_id import server_request_id
from consent.models import (
    AccessEvent,
    ArtefactStatus,
    Basis,
    ConsentArtefact,
    EmergencyAccess,
)
from consent.vocabulary import PURPOSES, AccessMode, Category, FrequencyUnit
from identity.policies import holds_role, is_guardian_of

T = TypeVar("T")


class Effect(enum.StrEnum):
    PERMIT = "permit"
    DENY = "deny"
    NOT_APPLICABLE = "not_applicable"


class ConsentRequired(Forbidden):
    slug = "consent-required"


class ConsentFrequencyExceeded(Problem):
    code, slug = 429, "consent-frequency-exceeded"


@dataclass(frozen=True)
class Decision:
    """The outcome of one policy check, with what it rests on."""

    effect: Effect
    basis: Basis = Basis.NONE
    artefact: ConsentArtefact | None = None
    reason: str | None = None
    retry_after: int | None = None

    @property
    def allowed(self) -> bool:
        """True when the read may go ahead."""
        return self.effect == Effect.PERMIT

    @property
    def data_period(self) -> tuple[date, date] | None:
        """The dates the caller may see (``None``: all of them)."""
        if self.artefact is None:
            return None
        return self.artefact.data_from, self.artefact.data_to

    @property
    def include_sensitive(self) -> bool:
        """Whether sensitive records (HIV, mental health…) may be shown.

        The citizen, a guardian and an emergency team see them; an artefact only
        if it names them; data handed over in a dossier never includes them.
        """
        if self.artefact is not None:
            return self.artefact.include_sensitive
        return self.basis in (Basis.SELF, Basis.GUARDIAN, Basis.EMERGENCY)

    @property
    def sees_hidden(self) -> bool:
        """Whether records the citizen hid may be shown (to them and a guardian only)."""
        return self.basis in (Basis.SELF, Basis.GUARDIAN)


NOT_APPLICABLE = Decision(Effect.NOT_APPLICABLE)


@dataclass(frozen=True)
class RecordScope:
    """Which rows of one category a permitted read shows: the decision, per record.

    Every record shown to anyone — a page, a count, a summary, an export, every
    version of a history — is selected through :meth:`where`, so a version the
    decision excludes (outside the data period, sensitive, hidden) is filtered in
    the query and can surface nowhere. A model takes part by having the columns it
    needs: ``record_date`` (always), ``hidden_at`` and ``sensitive`` (if it has them).
    """

    decision: Decision
    date_from: date | None = None
    date_to: date | None = None

    def where(self, model: Any) -> list[sa.ColumnElement[bool]]:
        """The SQL conditions a row of ``model`` must meet to be shown."""
        conditions: list[sa.ColumnElement[bool]] = []
        if not self.decision.sees_hidden and hasattr(model, "hidden_at"):
            conditions.append(model.hidden_at.is_(None))
        if not self.decision.include_sensitive and hasattr(model, "sensitive"):
            conditions.append(model.sensitive.is_(False))
        if self.date_from is not None:
            conditions.append(model.record_date >= self.date_from)
        if self.date_to is not None:
            conditions.append(model.record_date <= self.date_to)
        return conditions


def scope_of(
    decision: Decision, date_from: date | None = None, date_to: date | None = None
) -> RecordScope:
    """The rows a permit shows: the dates asked, narrowed to the artefact's period."""
    period = decision.data_period
    start = max(filter(None, (date_from, period[0] if period else None)), default=None)
    end = min(filter(None, (date_to, period[1] if period else None)), default=None)
    return RecordScope(decision, start, end)


def combine(decisions: Iterable[Decision]) -> Decision:
    """Deny wins over any permit; with neither, deny (no basis)."""
    permit: Decision | None = None
    for decision in decisions:
        if decision.effect == Effect.DENY:
            return decision
        if decision.effect == Effect.PERMIT and permit is None:
            permit = decision
    return permit or Decision(Effect.DENY, reason="no-basis")


def _per_request(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """Compute once per request: a summary decides seven categories on the same rows."""
    if not has_request_context():
        return compute()
    # no mutate: any fixed key is as good (mutated: None); nothing else reads it.
    memo: dict[tuple[Any, ...], Any] = request.environ.setdefault(
        _MEMO,  # pragma: no mutate
        {},
    )
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[no-any-return]


_MEMO = "congdan.policy_memo"


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
        .limit(1)
    )
    if window is None:
        return NOT_APPLICABLE
    return Decision(Effect.PERMIT, Basis.EMERGENCY)


_WINDOWS = {
    FrequencyUnit.HOUR: timedelta(hours=1),
    FrequencyUnit.DAY: timedelta(days=1),
}


def _frequency_wait(artefact: ConsentArtefact, at: datetime) -> int | None:
    """Seconds until the artefact may be used again, or ``None`` if it may now.

    A use is one request: reading several categories in one request counts once.
    Requests are told apart by the server's own id, never by anything the caller
    sends (a resent ``X-Request-ID`` must not make ten reads look like one).
    """
    if artefact.frequency_limit is None or artefact.frequency_unit is None:
        return None
    # Serialise the count-then-use of one artefact (PostgreSQL row lock; SQLite
    # serialises writers anyway and ignores FOR UPDATE).
    db.session.execute(
        sa.select(ConsentArtefact.id)
        .where(ConsentArtefact.id == artefact.id)
        .with_for_update()
    )
    window = _WINDOWS[artefact.frequency_unit]
    uses = db.session.execute(
        sa.select(AccessEvent.request_id, sa.func.min(AccessEvent.at))
        .where(
            AccessEvent.artefact_id == artefact.id,
            AccessEvent.outcome == "permit",
            AccessEvent.at > at - window,
        )
        .group_by(AccessEvent.request_id)
    ).all()
    current = server_request_id()
    if any(request_id == current for request_id, _ in uses):
        return None
    if len(uses) < artefact.frequency_limit:
        return None
    oldest = min(first_use for _, first_use in uses)
    return max(1, math.ceil((oldest + window - at).total_seconds()))


Period = tuple[date | None, date | None]


def _inside(period: Period, artefact: ConsentArtefact) -> bool:
    """Whether the asked dates (an open bound asks nothing) lie in the artefact's."""
    start, end = period
    return (start is None or artefact.data_from <= start <= artefact.data_to) and (
        end is None or artefact.data_from <= end <= artefact.data_to
    )


# no mutate on its refusals: _artefact_rule reads only a refusal's reason and that
# it is not a permit, so their effect (DENY, or None as mutated) changes nothing.
def _artefact_check(
    artefact: ConsentArtefact,
    category: Category,
    at: datetime,
    action: str,
    period: Period | None,
) -> Decision:
    if artefact.status == ArtefactStatus.REVOKED:
        return Decision(Effect.DENY, reason="artefact-revoked")  # pragma: no mutate
    if not artefact.is_live(at):
        return Decision(Effect.DENY, reason="artefact-expired")  # pragma: no mutate
    if category.value not in artefact.categories:
        return Decision(Effect.DENY, reason="category-not-granted")  # pragma: no mutate
    purpose = PURPOSES.get(artefact.purpose)
    if purpose is None or category not in purpose.categories:
        return Decision(Effect.DENY, reason="purpose-mismatch")  # pragma: no mutate
    if action == "export" and artefact.access_mode != AccessMode.STORE:
        return Decision(Effect.DENY, reason="view-only")  # pragma: no mutate
    if period is not None and not _inside(period, artefact):
        return Decision(Effect.DENY, reason="period-outside")  # pragma: no mutate
    wait = _frequency_wait(artefact, at)
    if wait is not None:
        return Decision(Effect.DENY, reason="frequency-exceeded", retry_after=wait)
    return Decision(Effect.PERMIT, Basis.ARTEFACT, artefact)


def _artefact_rule(
    actor: Actor,
    subject_id: uuid.UUID,
    category: Category,
    at: datetime,
    action: str,
    period: Period | None,
) -> Decision:
    if actor.org_id is None:
        return NOT_APPLICABLE
    statement = (
        sa.select(ConsentArtefact)
        .where(
            ConsentArtefact.subject_id == subject_id,
            ConsentArtefact.grantee_org_id == actor.org_id,
        )
        .order_by(ConsentArtefact.created_at.desc())
    )
    artefacts = _per_request(
        ("artefacts", actor.org_id, subject_id),
        lambda: list(db.session.scalars(statement)),
    )
    refusals = [_artefact_check(a, category, at, action, period) for a in artefacts]
    permits = [d for d in refusals if d.allowed]
    if permits:
        return permits[0]
    throttled = [d for d in refusals if d.reason == "frequency-exceeded"]
    if throttled:
        return throttled[0]
    # No artefact applies: the organisation simply has no basis (not a veto).
    return Decision(
        Effect.NOT_APPLICABLE, reason=refusals[0].reason if refusals else "no-artefact"
    )


def decide(
    actor: Actor,
    subject_id: uuid.UUID,
    category: Category,
    *,
    at: datetime | None = None,
    action: str = "read",
    period: Period | None = None,
) -> Decision:
    """Combine every rule for one read (no side effects)."""
    at = at or utcnow()
    artefact_decision = _artefact_rule(actor, subject_id, category, at, action, period)
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
        return Decision(Effect.DENY, reason=artefact_decision.reason)
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
            headers={"Retry-After": str(decision.retry_after)},
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
