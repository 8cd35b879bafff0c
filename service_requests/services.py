"""The life of a dossier: submission, the national status moves, supplements, fees,
apology, result, rating; and who may see it.

A dossier is seen by its applicant and by the officers of the agency handling it;
to anyone else it does not exist (404). Every status move is checked against
:mod:`service_requests.workflow` under a row lock, appended to the history and
announced to the applicant.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import orm

from app.auth import Actor
from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.pagination import Page, paginate
from app.unit_of_work import begin_writing
from service_requests import (
    calendar,
    deadlines,
    documents,
    events,
    forms,
    receipts,
    workflow,
)
from service_requests.models import (
    TERMINAL,
    Delivery,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierPause,
    DossierRating,
    DossierStatus,
    FeeStatus,
    PauseReason,
    Procedure,
)
from service_requests.policies import party_of, require_officer
from service_requests.workflow import Party

S = DossierStatus
#: The nine indices of Decree 61/2018 (as amended by Decree 107/2021), each 0–2:
#: 2 very satisfied, 1 satisfied, 0 not satisfied.
RATING_INDICES: Final = (
    "total_time",
    "agency_time",
    "contacts",
    "agencies_contacted",
    "one_stop",
    "publicity",
    "staff_attitude",
    "convenience",
    "overall",
)
REQUIRED_ERROR: Final = "Missing data for required field."
UNKNOWN_PROCEDURE_ERROR: Final = "No procedure of the catalogue has this code."
FEE_MISMATCH_ERROR: Final = "The amount differs from the fee requested."
LATER_DATE_ERROR: Final = "The new date must come after the current due date."
TRACKING_ERROR: Final = "Give the postal tracking number for delivery by post."


class TransitionNotAllowed(Conflict):
    slug = "dossier-transition-not-allowed"


class SupplementNotSubmitted(Conflict):
    slug = "dossier-supplement-not-submitted"


class ApologyRefused(Conflict):
    slug = "dossier-apology-refused"


class RatingRefused(Conflict):
    slug = "dossier-rating-refused"


class NoFeeDue(Conflict):
    slug = "dossier-no-fee-due"


class NotReceived(Conflict):
    slug = "dossier-not-received"


#: A dossier's uploads in one query, not one per document.
DETAIL: Final = (
    orm.selectinload(Dossier.documents).selectinload(DossierDocument.upload),
)
#: What a line of a list shows.
SUMMARY: Final = (orm.selectinload(Dossier.procedure),)


def _load(dossier_id: uuid.UUID, *, lock: bool) -> Dossier | None:
    statement = sa.select(Dossier).where(Dossier.id == dossier_id).options(*DETAIL)
    if lock:
        statement = statement.with_for_update()
    return db.session.scalar(statement)


def get_for(
    actor: Actor, dossier_id: uuid.UUID, *, lock: bool = False
) -> tuple[Dossier, Party]:
    """The dossier and the caller's part in it; 404 for anyone without a part.

    With ``lock``, the request becomes a write transaction holding the dossier's
    row (``FOR UPDATE``; SQLite's write lock), so concurrent moves run in turn.
    """
    if lock:
        begin_writing()
    dossier = _load(dossier_id, lock=lock)
    party = party_of(actor, dossier) if dossier is not None else None
    if dossier is None or party is None:
        raise NotFound()
    return dossier, party


def _event(
    actor: Actor,
    dossier: Dossier,
    action: str,
    from_status: S | None,
    note: str | None = None,
    **details: Any,
) -> None:
    dossier.events.append(
        DossierEvent(
            seq=len(dossier.events) + 1,
            actor_id=actor.citizen_id,
            org_id=actor.org_id,
            action=action,
            from_status=int(from_status) if from_status is not None else None,
            to_status=int(dossier.status),
            note=note,
            details={key: str(value) for key, value in details.items()} or None,
        )
    )


def _announce(dossier: Dossier, note: str | None = None) -> None:
    events.dossier_status_changed.send(dossier, note=note)


def get_procedure(code: str) -> Procedure:
    """A procedure of the catalogue by its code (404 if none)."""
    procedure = db.session.scalar(sa.select(Procedure).where(Procedure.code == code))
    if procedure is None:
        raise NotFound()
    return procedure


def list_procedures() -> list[Procedure]:
    """The whole catalogue, by code."""
    return list(db.session.scalars(sa.select(Procedure).order_by(Procedure.code)))


def submit(actor: Actor, data: dict[str, Any]) -> Dossier:
    """A citizen files a dossier (status 1) and gets its receipt code.

    The form is checked against the procedure's fields and the documents against
    its components, all problems reported at once (422).
    """
    if actor.acts_for_org:
        raise Forbidden()
    procedure = db.session.scalar(
        sa.select(Procedure).where(Procedure.code == data["procedure_code"])
    )
    if procedure is None:
        raise ValidationFailed(errors={"procedure_code": [UNKNOWN_PROCEDURE_ERROR]})
    begin_writing()
    now = utcnow()
    form, errors = forms.validate(procedure.fields, data.get("form", {}))
    clock_start, due_at = deadlines.initial_due(now, procedure.deadline_working_days)
    dossier = Dossier(
        procedure=procedure,
        agency_id=procedure.agency_id,
        applicant_id=actor.citizen_id,
        form_data=form,
        status=S.SUBMITTED,
        submitted_at=now,
        clock_start=clock_start,
        statutory_due_at=due_at,
        target_due_at=due_at,
        due_at=due_at,
    )
    errors.update(documents.attach(actor, dossier, data.get("documents", [])))
    if errors:
        raise ValidationFailed(errors=errors)
    dossier.receipt_code = receipts.next_code(procedure.agency, now)
    db.session.add(dossier)
    db.session.flush()
    _event(actor, dossier, "submit", None)
    _announce(dossier)
    return dossier


def list_own(
    actor: Actor, status: S | None, *, cursor: str | None, limit: int
) -> Page[Dossier]:
    """The caller's own dossiers, newest first."""
    if actor.acts_for_org:
        raise Forbidden()
    statement = (
        sa.select(Dossier)
        .where(Dossier.applicant_id == actor.citizen_id)
        .options(*SUMMARY)
    )
    if status is not None:
        statement = statement.where(Dossier.status == status)
    return paginate(
        statement,
        sort=Dossier.created_at,
        id_column=Dossier.id,
        cursor=cursor,
        limit=limit,
    )


def overdue_clause(now: datetime) -> sa.ColumnElement[bool]:
    """SQL for "late": judged at processing's end, a pause's start, or now."""
    judged = sa.func.coalesce(Dossier.finished_at, Dossier.paused_at, now)
    return sa.and_(
        Dossier.status.not_in([S.NOT_RECEIVED, S.WITHDRAWN]), judged > Dossier.due_at
    )


def queue(
    actor: Actor,
    agency_id: uuid.UUID,
    *,
    status: S | None,
    overdue: bool | None,
    procedure_code: str | None,
    cursor: str | None,
    limit: int,
) -> Page[Dossier]:
    """An agency's dossiers for its officers, newest first, filtered."""
    require_officer(actor, agency_id)
    statement = (
        sa.select(Dossier).where(Dossier.agency_id == agency_id).options(*SUMMARY)
    )
    if status is not None:
        statement = statement.where(Dossier.status == status)
    if overdue is not None:
        late = overdue_clause(utcnow())
        statement = statement.where(late if overdue else sa.not_(late))
    if procedure_code is not None:
        statement = statement.join(Procedure).where(Procedure.code == procedure_code)
    return paginate(
        statement,
        sort=Dossier.created_at,
        id_column=Dossier.id,
        cursor=cursor,
        limit=limit,
    )


def _refuse_move(dossier: Dossier, party: Party) -> TransitionNotAllowed:
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
        raise _refuse_move(dossier, party)
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
    _event(actor, dossier, move.action, source, reason, **details)
    _announce(dossier, reason)
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
    _event(actor, dossier, "pay", S.FEE_REQUESTED, amount=amount)
    _announce(dossier)
    return dossier


def submit_supplement(
    actor: Actor, dossier_id: uuid.UUID, data: dict[str, Any]
) -> Dossier:
    """The applicant sends what was asked for; an officer then accepts it."""
    dossier, party = get_for(actor, dossier_id, lock=True)
    if party != Party.APPLICANT:
        raise Forbidden()
    if dossier.status != S.SUPPLEMENT_REQUESTED:
        raise _refuse_move(dossier, party)
    errors: dict[str, list[str]] = {}
    if data.get("form"):
        form, errors = forms.validate(
            dossier.procedure.fields, {**dossier.form_data, **data["form"]}
        )
    errors.update(
        documents.attach(actor, dossier, data.get("documents", []), in_supplement=True)
    )
    if errors:
        raise ValidationFailed(errors=errors)
    if data.get("form"):
        dossier.form_data = form
    dossier.supplement_submitted_at = utcnow()
    _event(actor, dossier, "supplement_submitted", dossier.status, data.get("note"))
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
    _event(
        actor,
        dossier,
        "apologise",
        dossier.status,
        data["reason"],
        new_due_date=new_day,
    )
    _announce(dossier, data["reason"])
    return dossier


def rate(actor: Actor, dossier_id: uuid.UUID, data: dict[str, Any]) -> DossierRating:
    """The applicant rates a returned dossier, once."""
    dossier, party = get_for(actor, dossier_id, lock=True)
    if party != Party.APPLICANT:
        raise Forbidden()
    if dossier.status != S.RESULT_RETURNED or dossier.rating is not None:
        raise RatingRefused(
            extra={
                "current_status": int(dossier.status),
                "rated": dossier.rating is not None,
            }
        )
    rating = DossierRating(scores=dict(data["scores"]), comment=data.get("comment"))
    dossier.rating = rating
    db.session.flush()
    return rating


def received(actor: Actor, dossier_id: uuid.UUID) -> Dossier:
    """A dossier the agency has received: it has a receipt slip (409 before)."""
    dossier, _party = get_for(actor, dossier_id)
    if dossier.received_at is None:
        raise NotReceived(extra={"current_status": int(dossier.status)})
    return dossier


def document_of(
    actor: Actor, dossier_id: uuid.UUID, document_id: uuid.UUID
) -> tuple[Dossier, DossierDocument]:
    """One document of a dossier the caller is a party to (404 otherwise)."""
    dossier, _party = get_for(actor, dossier_id)
    for document in dossier.documents:
        if document.id == document_id:
            return dossier, document
    raise NotFound()


def read_reused(
    actor: Actor, dossier_id: uuid.UUID, document_id: uuid.UUID
) -> dict[str, Any]:
    """The digitised data behind a reference; an agency's read is logged."""
    _dossier, document = document_of(actor, dossier_id, document_id)
    if document.reference_id is None:
        raise NotFound()
    return documents.read_reused(actor, document)
