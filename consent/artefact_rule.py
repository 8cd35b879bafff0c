"""The artefact rule: may an organisation read under a consent it holds?

Staff acting for an organisation are permitted only under a live artefact that
names that organisation and the category, whose purpose reaches the category,
whose data period covers what is asked, whose access mode allows the action, and
whose frequency limit is not used up. Used by :func:`consent.policies.decide`.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import has_request_context, request

from app.auth import Actor
from app.extensions import db
from app.request_id import server_request_id
from consent.decisions import NOT_APPLICABLE, Decision, Effect, Period
from consent.models import AccessEvent, ArtefactStatus, Basis, ConsentArtefact
from consent.vocabulary import PURPOSES, AccessMode, Category, FrequencyUnit

T = TypeVar("T")


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
#: The memo's name for an organisation's artefacts about a subject (any fixed name).
_ARTEFACTS = "artefacts"  # pragma: no mutate


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
        # no mutate: SQLite, where mutants run, takes no row lock at all.
        .where(ConsentArtefact.id == artefact.id)  # pragma: no mutate
        .with_for_update()
    )
    window = _WINDOWS[artefact.frequency_unit]
    uses = db.session.execute(
        sa.select(AccessEvent.request_id, sa.func.min(AccessEvent.at))
        .where(
            AccessEvent.artefact_id == artefact.id,
            # no mutate: only a permit names its artefact, so this holds anyway;
            # it says what is counted.
            AccessEvent.outcome == "permit",  # pragma: no mutate
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


def _inside(period: Period, artefact: ConsentArtefact) -> bool:
    """Whether the asked dates (an open bound asks nothing) lie in the artefact's."""
    start, end = period
    return (start is None or artefact.data_from <= start <= artefact.data_to) and (
        end is None or artefact.data_from <= end <= artefact.data_to
    )


@dataclass(frozen=True)
class _Refusal:
    """Why one artefact does not permit the read (and, when used up, until when)."""

    reason: str
    retry_after: int | None = None


def _refusal(
    artefact: ConsentArtefact,
    category: Category,
    at: datetime,
    action: str,
    period: Period | None,
) -> _Refusal | None:
    """Why ``artefact`` does not permit this read, or ``None`` if it does."""
    if artefact.status == ArtefactStatus.REVOKED:
        return _Refusal("artefact-revoked")
    if not artefact.is_live(at):
        return _Refusal("artefact-expired")
    if category.value not in artefact.categories:
        return _Refusal("category-not-granted")
    purpose = PURPOSES.get(artefact.purpose)
    if purpose is None or category not in purpose.categories:
        return _Refusal("purpose-mismatch")
    if action == "export" and artefact.access_mode != AccessMode.STORE:
        return _Refusal("view-only")
    if period is not None and not _inside(period, artefact):
        return _Refusal("period-outside")
    wait = _frequency_wait(artefact, at)
    if wait is not None:
        return _Refusal("frequency-exceeded", retry_after=wait)
    return None


def artefact_rule(
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
    # One memo entry per organisation and subject: a request may read several.
    key = (_ARTEFACTS, actor.org_id, subject_id)
    artefacts = _per_request(key, lambda: list(db.session.scalars(statement)))
    refusals: list[_Refusal] = []
    for artefact in artefacts:
        refusal = _refusal(artefact, category, at, action, period)
        if refusal is None:
            return Decision(Effect.PERMIT, Basis.ARTEFACT, artefact)
        refusals.append(refusal)
    for refusal in refusals:
        if refusal.reason == "frequency-exceeded":
            # Used up, not missing: a veto that says when to come back.
            return Decision(
                Effect.DENY, reason=refusal.reason, retry_after=refusal.retry_after
            )
    # No artefact applies: the organisation simply has no basis (not a veto).
    return replace(
        NOT_APPLICABLE, reason=refusals[0].reason if refusals else "no-artefact"
    )
