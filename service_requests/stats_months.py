"""Each agency's month as it stood when it closed: what the statistics count.

A month *closes* at midnight in Vietnam, when the next one begins, and is
published :data:`app.disclosure.PUBLICATION_DELAY` later, once every write begun
before midnight has landed. Its figures are read from what had happened by the close, never from
the dossiers' state today:

* the dossiers filed in the month, each with its status at the close (the last
  line of its append-only history before it), the documents it had by then and,
  if processing had ended by then, its on-time verdict and working days (both
  fixed when processing ends); one still open counts as late if it was late at
  the close (its pauses up to then, :func:`deadlines.moved_by_pauses`);
* the ratings given in the month, whichever month their dossier was filed in: a
  rating may come any time after the result, and dating it by its dossier would
  reopen a month that has closed.

Nothing after the close changes a closed month, so asking again later — after a
move, a verdict, a rating or merely the passing of time — tells nothing the first
answer did not; the month still running is not published at all.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Final

import sqlalchemy as sa

from app import disclosure
from app.db import utcnow
from app.extensions import db
from service_requests import calendar, deadlines
from service_requests.models import (
    TERMINAL,
    DocumentSource,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierPause,
    DossierRating,
    DossierStatus,
    Procedure,
)
from service_requests.stats_units import FINISHED, Counted, Month

#: Dossiers still being handled (the overdue figure is about these).
OPEN: Final = frozenset(DossierStatus) - TERMINAL - {DossierStatus.PROCESSED}

Unit = tuple[uuid.UUID, Month]


def month_of(moment: datetime) -> Month:
    """The Vietnam month a moment falls in."""
    local = calendar.local(moment)
    return local.year, local.month


def first_day(month: Month) -> date:
    """The month's first day."""
    return date(month[0], month[1], 1)


def last_day(month: Month) -> date:
    """The month's last day."""
    year, number = month
    return date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in Vietnam."""
    return datetime.combine(day, time(0), tzinfo=calendar.TIMEZONE)


def close_of(month: Month) -> datetime:
    """The moment the month closes: midnight when the next one begins."""
    return start_of(last_day(month) + timedelta(days=1))


def last_published(now: datetime) -> Month:
    """The latest month whose figures are published at ``now``."""
    return disclosure.last_closed_month(now, calendar.TIMEZONE)


def count(
    start: date | None, end: date, agency_id: uuid.UUID | None
) -> dict[Unit, Counted]:
    """Every unit from ``start`` to ``end`` (whole closed months), as at its close,
    counted from the dossiers (``stats_rollup`` keeps them, so as to count each
    month once)."""
    if end > last_day(last_published(utcnow())):
        raise ValueError(f"{end} is in a month not yet published")
    units: dict[Unit, Counted] = defaultdict(Counted)
    _count_dossiers(units, _during(Dossier.submitted_at, start, end, agency_id))
    _count_ratings(units, _during(DossierRating.created_at, start, end, agency_id))
    return units


def next_month(month: Month) -> Month:
    """The month after ``month``."""
    year, number = month
    return (year, number + 1) if number < 12 else (year + 1, 1)


def _during(
    column: Any, start: date | None, end: date, agency_id: uuid.UUID | None
) -> list[sa.ColumnElement[bool]]:
    scope = [column < start_of(end + timedelta(days=1))]
    if start is not None:
        scope.append(column >= start_of(start))
    if agency_id is not None:
        scope.append(Dossier.agency_id == agency_id)
    return scope


def _histories(
    filed: list[sa.ColumnElement[bool]],
) -> dict[uuid.UUID, list[tuple[datetime, int | None, int]]]:
    """Each dossier's status moves, in order: when, from, to."""
    history: dict[uuid.UUID, list[tuple[datetime, int | None, int]]] = defaultdict(list)
    for dossier_id, at, source, target in db.session.execute(
        sa.select(
            DossierEvent.dossier_id,
            DossierEvent.at,
            DossierEvent.from_status,
            DossierEvent.to_status,
        )
        .join(Dossier, DossierEvent.dossier_id == Dossier.id)
        .where(*filed)
        .order_by(DossierEvent.dossier_id, DossierEvent.seq)
    ):
        history[dossier_id].append((at, source, target))
    return history


def _pauses(
    filed: list[sa.ColumnElement[bool]],
) -> dict[uuid.UUID, list[tuple[datetime, datetime | None]]]:
    pauses: dict[uuid.UUID, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for dossier_id, started, ended in db.session.execute(
        sa.select(
            DossierPause.dossier_id, DossierPause.started_at, DossierPause.ended_at
        )
        .join(Dossier, DossierPause.dossier_id == Dossier.id)
        .where(*filed)
    ):
        pauses[dossier_id].append((started, ended))
    return pauses


def _first_reuses(filed: list[sa.ColumnElement[bool]]) -> dict[uuid.UUID, datetime]:
    """The first document each dossier took from digitised data instead of an upload."""
    reused: dict[uuid.UUID, datetime] = {}
    for dossier_id, first in db.session.execute(
        sa.select(DossierDocument.dossier_id, sa.func.min(DossierDocument.added_at))
        .join(Dossier, DossierDocument.dossier_id == Dossier.id)
        .where(*filed, DossierDocument.source != DocumentSource.UPLOAD)
        .group_by(DossierDocument.dossier_id)
    ):
        reused[dossier_id] = first
    return reused


def _count_dossiers(
    units: dict[Unit, Counted], filed: list[sa.ColumnElement[bool]]
) -> None:
    history = _histories(filed)
    pauses = _pauses(filed)
    reused = _first_reuses(filed)
    rows = db.session.execute(
        sa.select(
            Dossier.id,
            Dossier.agency_id,
            Dossier.submitted_at,
            Procedure.code,
            Dossier.statutory_due_at,
            Dossier.clock_start,
            Dossier.finished_at,
            Dossier.paused_working_days,
            Dossier.on_time,
        )
        .join(Procedure, Dossier.procedure_id == Procedure.id)
        .where(*filed)
    )
    for row in rows:
        month = month_of(row.submitted_at)
        close = close_of(month)
        unit = units[row.agency_id, month]
        status, requests = _at(history[row.id], close)
        unit.statuses[status] += 1
        unit.procedures[row.code] += 1
        unit.days[calendar.local(row.submitted_at).day] += 1
        unit.reused += row.id in reused and reused[row.id] < close
        if status in FINISHED and row.finished_at is not None:
            unit.on_time += bool(row.on_time)
            unit.add_processing(
                deadlines.processing_working_days(
                    row.clock_start, row.finished_at, row.paused_working_days
                )
            )
        elif status in OPEN and _late_at(
            close, row.statutory_due_at, pauses[row.id], requests
        ):
            unit.late_open += 1


def _at(
    history: Sequence[tuple[datetime, int | None, int]], close: datetime
) -> tuple[int, int]:
    """The status at ``close`` and the supplement requests made by then."""
    status, requests = int(DossierStatus.SUBMITTED), 0
    for at, source, target in history:
        if at >= close:
            break
        if target == DossierStatus.SUPPLEMENT_REQUESTED != source:
            requests += 1  # a move into 5, not the citizen's answer while in it
        status = target
    return status, requests


def _late_at(
    close: datetime,
    statutory_due_at: datetime,
    pauses: Sequence[tuple[datetime, datetime | None]],
    requests: int,
) -> bool:
    """Decision 766 for a dossier open at ``close``, from its pauses up to then."""
    ended = [(start, end) for start, end in pauses if end is not None and end < close]
    running = next(
        (
            start
            for start, end in pauses
            if start < close and (end is None or end >= close)
        ),
        None,
    )
    target = deadlines.moved_by_pauses(statutory_due_at, ended)
    return deadlines.counts_as_late(close, running, target, requests)


def _count_ratings(
    units: dict[Unit, Counted], given: list[sa.ColumnElement[bool]]
) -> None:
    for agency_id, created_at, scores in db.session.execute(
        sa.select(Dossier.agency_id, DossierRating.created_at, DossierRating.scores)
        .join(Dossier, DossierRating.dossier_id == Dossier.id)
        .where(*given)
    ):
        units[agency_id, month_of(created_at)].add_rating(scores)
