"""A dossier's status moves: the national table's transitions, the fee paid, the
one apology letter; and the clock that pauses and resumes with them.

Every move is checked against :mod:`service_requests.workflow` under a row lock,
appended to the history and announced to the applicant.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Final

from app.auth import Actor
from app.db import utcnow
from app.errors import Conflict, Forbidden, ValidationFailed
from service_requests import calendar, deadlines, rendering, workflow
from service_requests.dossiers import announce, get_for, record_event
from service_requests.models import (
    TERMINAL,
    Delivery,
    Dossier,
    DossierPause,
    DossierStatus,
    FeeStatus,
    PauseReason,
)
from service_requests.workflow import Party

S = DossierStatus
REQUIRED_ERROR: Final = "Missing data for required field."
FEE_MISMATCH_ERROR: Final = "The amount differs from the fee requested."
LATER_DATE_ERROR: Final = "The new date must come after the current due date."
TRACKING_ERROR: Final = "Give the postal tracking number for delivery by post."


class TransitionNotAllowed(Conflict):
    slug = "dossier-transition-not-allowed"


class SupplementNotSubmitted(Conflict):
    slug = "dossier-supplement-not-submitted"


class ApologyRefused(Conflict):
    slug = "dossier-apology-refused"


class NoFeeDue(Conflict):
    slug = "dossier-no-fee-due"


def refuse_move(dossier: Dossier, party: Party) -> TransitionNotAllowed:
    """The 409 for a move the table does not allow now, with the moves it does."""
    return TransitionNotAllowed(
        extra={
            "current_status": int(dossier.status),
            "allowed": workflow.next_statuses(dossier.status, party),
        }
    )


def _pause(dossier: Dossier, reason: PauseReason, now: datetime) -> None:
    dossier.paused_at = now
    dossier.pauses.append(DossierPause(reason=reason, started_at=now))


def _resume(dossier: Dossier, now: datetime) -> None:
    """End the running pause: the due moments move by the working days it spanned."""
    if dossier.paused_at is None:
        return
    days = deadlines.paused_days(dossier.paused_at, now)
    for pause in dossier.pauses:
        if pause.ended_at is None:
            pause.ended_at = now
    dossier.paused_at = None
    dossier.paused_working_days += days
    dossier.target_due_at = deadlines.moved(dossier.target_due_at, days)
    if dossier.apology_due_at is not None:
        dossier.apology_due_at = deadlines.moved(dossier.apology_due_at, days)
    dossier.due_at = dossier.apology_due_at or dossier.target_due_at


def _required(data: dict[str, Any], *names: str) -> None:
    missing = {name: [REQUIRED_ERROR] for name in names if not data.get(name)}
    if missing:
        raise ValidationFailed(errors=missing)


def _accept_supplement(dossier: Dossier, target: S, now: datetime) -> None:
    """Back to where it stood: received if it never was, else processing."""
    if dossier.supplement_submitted_at is None:
        raise SupplementNotSubmitted()
    back = S.RECEIVED if dossier.received_at is None else S.PROCESSING
    if target != back:
        raise TransitionNotAllowed(
            extra={"current_status": int(dossier.status), "allowed": [int(back)]}
        )
    if dossier.received_at is None:
        dossier.received_at = now
    _resume(dossier, now)


def _return_result(dossier: Dossier, data: dict[str, Any], now: datetime) -> None:
    _required(data, "delivery")
    if data["delivery"] == Delivery.POST and not data.get("postal_tracking"):
        raise ValidationFailed(errors={"postal_tracking": [TRACKING_ERROR]})
    dossier.delivery = Delivery(data["delivery"])
    dossier.postal_tracking = data.get("postal_tracking")
    dossier.returned_at = now


def _apply(dossier: Dossier, target: S, data: dict[str, Any], now: datetime) -> None:
    """The side effects of one allowed move (the table is already checked)."""
    source = dossier.status
    if source == S.SUPPLEMENT_REQUESTED and target in (S.RECEIVED, S.PROCESSING):
        _accept_supplement(dossier, target, now)
    elif target == S.RECEIVED:
        dossier.received_at = now
    elif target == S.SUPPLEMENT_REQUESTED:
        _required(data, "checklist")
        dossier.supplement_requests += 1
        dossier.supplement_checklist = list(data["checklist"])
        dossier.supplement_submitted_at = None
        _pause(dossier, PauseReason.SUPPLEMENT, now)
    elif target == S.FEE_REQUESTED:
        _required(data, "fee_vnd")
        dossier.fee_vnd = data["fee_vnd"]
        dossier.fee_status = FeeStatus.PENDING
        _pause(dossier, PauseReason.FEE, now)
    elif target == S.PROCESSED:
        _required(data, "result")
        dossier.result = data["result"]
    elif target == S.RESULT_RETURNED:
        _return_result(dossier, data, now)
    elif target == S.WITHDRAWN and dossier.fee_status is not None:
        paid = dossier.fee_status == FeeStatus.PAID
        dossier.fee_status = FeeStatus.REFUNDED if paid else FeeStatus.CANCELLED
    if target in TERMINAL:
        # The clock stops for good; a running pause simply ends.
        dossier.paused_at = None
        for pause in dossier.pauses:
            pause.ended_at = pause.ended_at or now
        dossier.closed_at = now
    if target in (S.PROCESSED, S.STOPPED) and dossier.finished_at is None:
        dossier.finished_at = now
        dossier.on_time = deadlines.is_on_time(
            now, dossier.target_due_at, dossier.supplement_requests
        )


def transition(actor: Actor, dossier_id: uuid.UUID, data: dict[str, Any]) -> Dossier:
    """Move a dossier to ``data["to"]``, if the table lets this caller do it now."""
    dossier, party = get_for(actor, dossier_id, lock=True)
    target = S(data["to"])
    move = workflow.move(dossier.status, target)
    if move is None:
        raise refuse_move(dossier, party)
    if move.party != party:
        raise Forbidden()
    reason = (data.get("reason") or "").strip() or None
    if move.needs_reason and reason is None:
        raise ValidationFailed(errors={"reason": [REQUIRED_ERROR]})
    source = dossier.status
    _apply(dossier, target, data, utcnow())
    dossier.status = target
    details = {
        key: data[key]
        for key in ("checklist", "fee_vnd", "result", "delivery", "postal_tracking")
        if data.get(key)
    }
    record_event(actor, dossier, move.action, source, reason, **details)
    announce(dossier, reason)
    rendering.after_move(dossier)
    return dossier


def pay(actor: Actor, dossier_id: uuid.UUID, amount: int) -> Dossier:
    """The fee is paid (the mock payment gateway's callback): 6 -> 4, clock resumes."""
    dossier, party = get_for(actor, dossier_id, lock=True)
    if party != Party.APPLICANT:
        raise Forbidden()
    if dossier.status != S.FEE_REQUESTED or dossier.fee_status != FeeStatus.PENDING:
        raise NoFeeDue(extra={"current_status": int(dossier.status)})
    if amount != dossier.fee_vnd:
        raise ValidationFailed(errors={"amount": [FEE_MISMATCH_ERROR]})
    now = utcnow()
    dossier.fee_status = FeeStatus.PAID
    _resume(dossier, now)
    dossier.status = S.PROCESSING
    record_event(actor, dossier, "pay", S.FEE_REQUESTED, amount=amount)
    announce(dossier)
    return dossier


def apologise(actor: Actor, dossier_id: uuid.UUID, data: dict[str, Any]) -> Dossier:
    """An officer sends the one apology letter with a new date, before the due date."""
    dossier, party = get_for(actor, dossier_id, lock=True)
    if party != Party.OFFICER:
        raise Forbidden()
    now = utcnow()
    if (
        dossier.apology_due_at is not None
        or dossier.status not in workflow.APOLOGY_STATUSES
        or deadlines.is_overdue(dossier.due_at, now, paused_at=dossier.paused_at)
    ):
        raise ApologyRefused(
            extra={
                "current_status": int(dossier.status),
                "apologised": dossier.apology_due_at is not None,
            }
        )
    new_day: date = data["new_due_date"]
    if new_day <= deadlines.due_day(dossier.due_at):
        raise ValidationFailed(errors={"new_due_date": [LATER_DATE_ERROR]})
    dossier.apology_due_at = calendar.closing_time(new_day)
    dossier.apology_reason = data["reason"]
    dossier.due_at = dossier.apology_due_at
    record_event(
        actor,
        dossier,
        "apologise",
        dossier.status,
        data["reason"],
        new_due_date=new_day,
    )
    announce(dossier, data["reason"])
    return dossier
