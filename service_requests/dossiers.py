"""Who sees a dossier, and the dossier read back: one by one, the applicant's own
list, an agency's queue, its receipt and its documents.

A dossier is seen by its applicant and by the officers of the agency handling it;
to anyone else it does not exist (404). Every change is appended to its history
(:func:`record_event`) and status changes are announced to the applicant
(:func:`announce`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import orm

from app.auth import Actor
from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from app.pagination import Page, paginate
from app.unit_of_work import begin_writing
from service_requests import documents, events
from service_requests.models import (
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierStatus,
    Procedure,
)
from service_requests.policies import party_of, require_officer
from service_requests.workflow import Party

S = DossierStatus


class NotReceived(Conflict):
    slug = "dossier-not-received"


#: A dossier's uploads in one query, not one per document.
DETAIL: Final = (
    orm.selectinload(Dossier.documents).selectinload(DossierDocument.upload),
)
#: What a line of a list shows: its procedure (many to one, so joined: one statement).
SUMMARY: Final = (orm.joinedload(Dossier.procedure),)


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


def record_event(
    actor: Actor,
    dossier: Dossier,
    action: str,
    from_status: S | None,
    note: str | None = None,
    **details: Any,
) -> None:
    """Append what ``actor`` just did to the dossier's history."""
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


def announce(dossier: Dossier, note: str | None = None) -> None:
    """Tell whoever listens (the applicant's notifications) the status changed."""
    events.dossier_status_changed.send(dossier, note=note)


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
) -> documents.ReusedData:
    """The digitised data behind a reference; an agency's read is logged."""
    _dossier, document = document_of(actor, dossier_id, document_id)
    if document.reference_id is None:
        raise NotFound()
    return documents.read_reused(actor, document)
