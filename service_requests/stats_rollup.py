"""Each closed month counted once and kept: the statistics never scan every dossier.

A month's units are what :mod:`service_requests.stats_months` counts as at its
close, and nothing after the close changes them. So the first request that needs a
published month counts that month alone (the dossiers filed and the ratings given
in it, found by index) and keeps each agency's unit; every later request reads the
kept units, a few rows per agency and month, however many dossiers the province
has filed. The figures are as fresh as the publication allows: a month appears
``app.disclosure.PUBLICATION_DELAY`` after it closes and never changes after.
``flask count-stats`` (run daily) counts a month as soon as it is published, so
no request waits for it; a request finding a month uncounted counts it itself.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa

from app.db import count_spans, insert_for, utcnow
from app.extensions import db
from app.unit_of_work import begin_writing
from consent import stats as consent_stats
from school_records import stats as transcript_stats
from service_requests import stats_months
from service_requests.models import CountedMonth, Dossier, MonthUnit
from service_requests.stats_months import Unit
from service_requests.stats_units import Counted, Month


def units(
    start: date | None, end: date, agency_id: uuid.UUID | None
) -> dict[Unit, Counted]:
    """Every unit from ``start`` to ``end`` (whole published months), as at its close.

    :raise ValueError: ``end`` lies in a month not yet published.
    """
    if end > stats_months.last_day(stats_months.last_published(utcnow())):
        raise ValueError(f"{end} is in a month not yet published")
    months = _months(start, end)
    if not months:
        return {}
    _count_the_uncounted(months)
    rows = db.session.execute(
        sa.select(
            MonthUnit.agency_id, MonthUnit.year, MonthUnit.month, MonthUnit.counted
        )
        .where(*_within(MonthUnit, months))
        .where(MonthUnit.agency_id == agency_id if agency_id is not None else sa.true())
    )
    return {
        (row.agency_id, (row.year, row.month)): Counted.from_json(row.counted)
        for row in rows
    }


def count_published() -> int:
    """Count every published month not counted yet; return how many were.

    ``flask count-stats`` runs it (daily, say, by cron): counting a month of a
    province's dossiers takes a while, and a request should only read.
    """
    end = stats_months.last_day(stats_months.last_published(utcnow()))
    months = _months(None, end)
    return _count_the_uncounted(months) if months else 0


def count_published_job(_: dict[str, Any]) -> None:
    """The daily job of the worker's schedule: :func:`count_published`."""
    count_published()


def _months(start: date | None, end: date) -> list[Month]:
    """The months from ``start`` (else the first a dossier was filed in) to ``end``."""
    if start is None:
        first_filed = db.session.scalar(sa.select(sa.func.min(Dossier.submitted_at)))
        if first_filed is None:
            return []
        month = stats_months.month_of(first_filed)
    else:
        month = (start.year, start.month)
    last = (end.year, end.month)
    months = []
    while month <= last:
        months.append(month)
        month = stats_months.next_month(month)
    return months


def _within(
    model: type[CountedMonth] | type[MonthUnit], months: list[Month]
) -> list[sa.ColumnElement[bool]]:
    first, last = months[0], months[-1]
    key = model.year * 100 + model.month
    return [key >= first[0] * 100 + first[1], key <= last[0] * 100 + last[1]]


def _count_the_uncounted(months: list[Month]) -> int:
    counted = {
        (row.year, row.month)
        for row in db.session.execute(
            sa.select(CountedMonth.year, CountedMonth.month).where(
                *_within(CountedMonth, months)
            )
        )
    }
    uncounted = [month for month in months if month not in counted]
    if not uncounted:
        return 0
    begin_writing()
    insert = insert_for(db.session.get_bind().dialect.name)
    for month in uncounted:
        first_day, last_day = (
            stats_months.first_day(month),
            stats_months.last_day(month),
        )
        found = stats_months.count(first_day, last_day, None)
        year, number = month
        # Two requests may count the same month at once: both count the same
        # figures, and the second's rows are ignored.
        for (agency_id, _), unit in found.items():
            db.session.execute(
                insert(MonthUnit)
                .values(
                    agency_id=agency_id, year=year, month=number, counted=unit.to_json()
                )
                .on_conflict_do_nothing()
            )
        db.session.execute(
            insert(CountedMonth)
            .values(
                year=year,
                month=number,
                counted_at=utcnow(),
                activity=_activity_of(month),
            )
            .on_conflict_do_nothing()
        )
    return len(uncounted)


def _activity_of(month: Month) -> dict[str, int]:
    """The province's consent and transcript activity in ``month`` (as at its close:
    each is a moment that never changes)."""
    boundaries = [
        stats_months.start_of(stats_months.first_day(month)),
        stats_months.close_of(month),
    ]
    selects = consent_stats.activity_selects(boundaries)
    selects["transcripts_issued"] = transcript_stats.issue_select(boundaries)
    return {kind: counts[0] for kind, counts in count_spans(selects, 1).items()}


def activity(months: list[Month]) -> dict[Month, dict[str, int]]:
    """Each month's kept activity (counting the months not counted yet)."""
    if not months:
        return {}
    _count_the_uncounted(months)
    rows = db.session.execute(
        sa.select(CountedMonth.year, CountedMonth.month, CountedMonth.activity).where(
            *_within(CountedMonth, months)
        )
    )
    return {(row.year, row.month): row.activity for row in rows}
