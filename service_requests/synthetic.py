"""Dossiers at a province's scale, for the statistics' scale run (``flask seed-dossiers``).

Deterministic: the same ``seed`` gives the same dossiers with the same ids. They
are filed by citizens already in the database (``flask seed-bulk`` makes a
population) under the deployment's procedures, spread over the two years before
:data:`REFERENCE_DAY`, each with a short, consistent history: filed, received
and, for most, processed (on time or late). Written with bulk ``INSERT``s in
batches, like the health records of :mod:`health_book.synthetic`; nobody is
notified and no receipt counter moves (their receipt codes say ``BULK``).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

import sqlalchemy as sa

from app.extensions import db
from identity.models import Citizen
from service_requests.models import Dossier, DossierEvent, DossierStatus, Procedure

REFERENCE_DAY: Final = date(2026, 11, 1)
SPREAD_DAYS: Final = 730
BATCH: Final = 5_000
#: Of the dossiers, the share still being processed, and of the rest the share late.
OPEN_SHARE: Final = 0.08
LATE_SHARE: Final = 0.06


class AlreadySeededError(ValueError):
    """This seed's dossiers are in the database already."""


def seed_dossiers(count: int, seed: int) -> int:
    """Write ``count`` synthetic dossiers and their histories; return how many.

    :raise AlreadySeededError: this seed's dossiers are in the database already.
    :raise ValueError: no citizens or procedures to file them.
    """
    if db.session.scalar(
        sa.select(Dossier.id).where(Dossier.receipt_code == _code(seed, 0))
    ):
        raise AlreadySeededError(
            f"The dossiers of seed {seed} are already in this database"
        )
    procedures = list(db.session.execute(sa.select(Procedure.id, Procedure.agency_id)))
    applicants = list(
        db.session.scalars(sa.select(Citizen.id).order_by(Citizen.id).limit(200_000))
    )
    if not procedures or not applicants:
        raise ValueError("load the deployment and seed citizens first")
    chance = random.Random(seed)  # noqa: S311 - repeatable test data, not secrets
    dossiers: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number in range(count):
        procedure_id, agency_id = chance.choice(procedures)
        dossier, history = _dossier(
            chance, seed, number, procedure_id, agency_id, chance.choice(applicants)
        )
        dossiers.append(dossier)
        events += history
        if len(dossiers) >= BATCH:
            _write(dossiers, events)
            dossiers, events = [], []
    _write(dossiers, events)
    return count


def _code(seed: int, number: int) -> str:
    return f"BULK-{seed}-{number:08d}"


def _dossier(
    chance: random.Random,
    seed: int,
    number: int,
    procedure_id: uuid.UUID,
    agency_id: uuid.UUID,
    applicant_id: uuid.UUID,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    day = REFERENCE_DAY - timedelta(days=chance.randrange(SPREAD_DAYS))
    submitted = datetime.combine(day, time(1 + chance.randrange(9)), tzinfo=UTC)
    due = submitted + timedelta(days=7)
    dossier_id = uuid.UUID(int=chance.getrandbits(128))
    is_open = chance.random() < OPEN_SHARE
    late = chance.random() < LATE_SHARE
    finished = None if is_open else due + timedelta(days=2 if late else -2)
    status = DossierStatus.PROCESSING if is_open else DossierStatus.RESULT_RETURNED
    dossier = {
        "id": dossier_id, "receipt_code": _code(seed, number),
        "procedure_id": procedure_id, "agency_id": agency_id,
        "applicant_id": applicant_id, "form_data": {}, "status": status,
        "submitted_at": submitted, "clock_start": day, "statutory_due_at": due,
        "target_due_at": due, "due_at": due, "paused_working_days": 0,
        "supplement_requests": 0, "received_at": submitted + timedelta(hours=2),
        "finished_at": finished, "on_time": None if is_open else not late,
        "returned_at": None if finished is None else finished + timedelta(days=1),
    }  # fmt: skip
    moves = [
        (submitted, None, DossierStatus.SUBMITTED, "submit"),
        (submitted + timedelta(hours=2), DossierStatus.SUBMITTED, DossierStatus.RECEIVED, "receive"),
        (submitted + timedelta(hours=3), DossierStatus.RECEIVED, DossierStatus.PROCESSING, "process"),
    ]  # fmt: skip
    if finished is not None:
        moves += [
            (finished, DossierStatus.PROCESSING, DossierStatus.PROCESSED, "finish"),
            (finished + timedelta(days=1), DossierStatus.PROCESSED,
             DossierStatus.RESULT_RETURNED, "return_result"),
        ]  # fmt: skip
    history = [
        {
            "id": uuid.UUID(int=chance.getrandbits(128)),
            "dossier_id": dossier_id,
            "seq": seq,
            "at": at,
            "actor_id": applicant_id,
            "org_id": None,
            "action": action,
            "from_status": source,
            "to_status": int(target),
        }
        for seq, (at, source, target, action) in enumerate(moves, start=1)
    ]
    return dossier, history


def _write(dossiers: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    if dossiers:
        db.session.execute(sa.insert(Dossier), dossiers)
    for start in range(0, len(events), BATCH):
        db.session.execute(sa.insert(DossierEvent), events[start : start + BATCH])
