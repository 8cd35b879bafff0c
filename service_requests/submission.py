"""Filing: the procedure catalogue read, a dossier submitted with its form and
documents, and the supplement an applicant sends when asked.

The form is checked against the procedure's fields and the documents against its
components, all problems reported at once (422).
"""

from __future__ import annotations

import uuid
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import orm

from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.unit_of_work import begin_writing
from service_requests import deadlines, documents, forms, receipts
from service_requests.dossiers import announce, get_for, record_event
from service_requests.models import Dossier, DossierStatus, Procedure
from service_requests.moves import refuse_move
from service_requests.workflow import Party

UNKNOWN_PROCEDURE_ERROR: Final = "No procedure of the catalogue has this code."


def get_procedure(code: str) -> Procedure:
    """A procedure of the catalogue by its code (404 if none)."""
    procedure = db.session.scalar(sa.select(Procedure).where(Procedure.code == code))
    if procedure is None:
        raise NotFound()
    return procedure


def list_procedures() -> list[Procedure]:
    """The whole catalogue, by code."""
    return list(
        db.session.scalars(
            sa.select(Procedure)
            .options(orm.joinedload(Procedure.agency))
            .order_by(Procedure.code)
        )
    )


def submit(actor: Actor, data: dict[str, Any]) -> Dossier:
    """A citizen files a dossier (status 1) and gets its receipt code."""
    if actor.acts_for_org:
        raise Forbidden()
    procedure = db.session.scalar(
        sa.select(Procedure)
        .options(orm.joinedload(Procedure.agency))  # its receipt code names it
        .where(Procedure.code == data["procedure_code"])
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
        status=DossierStatus.SUBMITTED,
        submitted_at=now,
        clock_start=clock_start,
        statutory_due_at=due_at,
        target_due_at=due_at,
        due_at=due_at,
        # A new dossier has none yet: said here, nothing asks the database.
        events=[],
        pauses=[],
        rating=None,
        **(data.get("location") or {}),
    )
    errors.update(documents.attach(actor, dossier, data.get("documents", [])))
    if errors:
        raise ValidationFailed(errors=errors)
    dossier.receipt_code = receipts.next_code(procedure.agency, now)
    db.session.add(dossier)
    db.session.flush()
    record_event(actor, dossier, "submit", None)
    announce(dossier)
    return dossier


def submit_supplement(
    actor: Actor, dossier_id: uuid.UUID, data: dict[str, Any]
) -> Dossier:
    """The applicant sends what was asked for; an officer then accepts it."""
    dossier, party = get_for(actor, dossier_id, lock=True)
    if party != Party.APPLICANT:
        raise Forbidden()
    if dossier.status != DossierStatus.SUPPLEMENT_REQUESTED:
        raise refuse_move(dossier, party)
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
    record_event(
        actor, dossier, "supplement_submitted", dossier.status, data.get("note")
    )
    return dossier
