"""The receipt slip, rendered by the worker once a dossier is received (or its
receipt changes), and served as rendered (app/rendered.py)."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from flask import Flask

from app import jobs, rendered
from app.db import utcnow
from app.extensions import db
from service_requests import receipts
from service_requests.models import Dossier

RECEIPT = "receipt-pdf"
RENDER_RECEIPT_JOB = "service_requests.render_receipt"


def receipt_version(dossier: Dossier) -> str:
    """A digest of everything the slip prints (receipts.render)."""
    applicant, procedure = dossier.applicant, dossier.procedure
    printed = [
        dossier.receipt_code,
        dossier.agency.name,
        applicant.full_name,
        applicant.address,
        procedure.name,
        procedure.documents,
        procedure.deadline_working_days,
        procedure.fee_vnd,
        [(d.code, str(d.source)) for d in dossier.documents],
        dossier.due_at.isoformat() if dossier.due_at else None,
        str(dossier.delivery) if dossier.delivery else None,
        dossier.submitted_at.isoformat(),
        dossier.received_at.isoformat() if dossier.received_at else None,
        receipts.receiving_officer(dossier),
    ]
    return hashlib.sha256(json.dumps(printed, default=str).encode()).hexdigest()


def receipt_pdf(dossier: Dossier) -> bytes:
    """The slip: as the worker rendered it, or drawn now."""
    kept = rendered.stored(RECEIPT, str(dossier.id), receipt_version(dossier))
    return kept if kept is not None else receipts.render(dossier)


def after_move(dossier: Dossier) -> None:
    """Have the worker draw the slip of a received dossier as it now stands."""
    if not rendered.ahead():
        return
    if dossier.received_at is None:
        return
    jobs.enqueue(
        RENDER_RECEIPT_JOB,
        {"dossier_id": str(dossier.id)},
        dedupe_key=f"{RECEIPT}:{dossier.id}:{utcnow().isoformat()}",
    )


def _render(payload: dict[str, Any]) -> None:
    dossier = db.session.get(Dossier, uuid.UUID(payload["dossier_id"]))
    if dossier is None or dossier.received_at is None:
        return
    rendered.keep(
        RECEIPT, str(dossier.id), receipt_version(dossier), receipts.render(dossier)
    )


def register(app: Flask) -> None:
    """Register the rendering job."""
    jobs.add_job(app, RENDER_RECEIPT_JOB, _render)
