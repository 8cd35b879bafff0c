"""What the operations centre's dashboard adds to the statistics: the statuses by
name, each agency's figures, a series by day, week or month, and consent and
transcript activity. All of it is added up from what each protected unit shows
(:mod:`service_requests.stats_units`), so it can show no more than they do.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Final

import sqlalchemy as sa

from app import disclosure
from app.extensions import db
from consent.stats import KINDS
from identity.models import Organisation
from service_requests import stats_months, stats_rollup
from service_requests.models import DossierStatus
from service_requests.stats_units import Counted, Month, Shown
from service_requests.texts import STATUS_NAMES

INTERVALS: Final = ("day", "week", "month")
#: The activity figures: consent's, then the transcripts issued.
ACTIVITY: Final = (*KINDS, "transcripts_issued")
Unit = tuple[uuid.UUID, Month]


def named_statuses(by_status: dict[str, int | None]) -> list[dict[str, Any]]:
    """The status counts with their national names, in the national order."""
    return [
        {
            "code": int(status),
            "name": STATUS_NAMES[status][0],
            "name_en": STATUS_NAMES[status][1],
            "dossiers": by_status[str(int(status))],
        }
        for status in DossierStatus
    ]


def by_agency(
    units: Iterable[tuple[Unit, Shown]], report: disclosure.Report
) -> list[dict[str, Any]]:
    """Each agency's dossiers, finished, overdue and on-time rate over its months."""
    counts: dict[uuid.UUID, dict[str, disclosure.Tally]] = defaultdict(
        lambda: defaultdict(disclosure.Tally)
    )
    rates: dict[uuid.UUID, disclosure.Ratio] = defaultdict(disclosure.Ratio)
    for (agency, _month), shown in units:
        for name in ("dossiers", "finished", "overdue_open"):
            counts[agency][name].add(shown.counts[name])
        rates[agency].add(*shown.ratios["on_time_rate"])
    if not counts:
        return []
    names = {
        row.id: row
        for row in db.session.execute(
            sa.select(Organisation.id, Organisation.name, Organisation.name_en).where(
                Organisation.id.in_(counts)
            )
        )
    }
    lines = []
    for agency in sorted(counts, key=lambda a: names[a].name):
        path = f"by_agency.{agency}"
        line: dict[str, Any] = {
            "agency_id": agency,
            "name": names[agency].name,
            "name_en": names[agency].name_en or names[agency].name,
        }
        for name, tally in counts[agency].items():
            line[name] = report.count(f"{path}.{name}", tally)
        line["on_time_rate"] = report.ratio(f"{path}.on_time_rate", rates[agency], 4)
        lines.append(line)
    return lines


def _bucket(day: date, interval: str) -> date:
    """The first day of the day's interval (weeks start on Monday)."""
    if interval == "month":
        return day.replace(day=1)
    if interval == "week":
        return day - timedelta(days=day.weekday())
    return day


def series(
    units: Iterable[tuple[Unit, Counted, Shown]],
    interval: str,
    start: date,
    end: date,
    k: int,
    report: disclosure.Report,
) -> list[dict[str, Any]]:
    """Dossiers filed per day, week or month from ``start`` to ``end``.

    A month's point is its units' totals, the figure ``dossiers`` already shows.
    A day's is its units' days, each unit's days protected as one partition of
    its total (like its statuses). A week's adds up the days its units show:
    protecting weeks apart would let a shown week, less its shown days, give away
    a hidden day. A point is listed as partial (or hidden) when some (or all) of
    its parts are hidden.
    """
    tallies: dict[date, disclosure.Tally] = defaultdict(disclosure.Tally)
    day = start
    while day <= end:
        tallies[_bucket(day, interval)]  # every point is named, even when empty
        day += timedelta(days=1)
    for (_agency, month), counted, shown in units:
        if interval == "month":
            tallies[date(month[0], month[1], 1)].add(shown.counts["dossiers"])
            continue
        # Every day of the month is a cell, empty ones too: a hidden unit hides
        # them all (hiding only the days with filings would name them).
        month_days = range(1, stats_months.last_day(month).day + 1)
        days = (
            disclosure.protect({day: counted.days[day] for day in month_days}, k)
            if shown.counts["dossiers"] is not None
            else dict.fromkeys(month_days)
        )
        for number, filed in days.items():
            tallies[_bucket(date(month[0], month[1], number), interval)].add(filed)
    return [
        {
            "start": point,
            "dossiers": report.count(f"series.{point.isoformat()}", tallies[point]),
        }
        for point in sorted(tallies)
    ]


def activity(
    months: list[Month], k: int, report: disclosure.Report
) -> dict[str, int | None]:
    """Consent activity and transcripts issued in the period's closed months (kept
    with each month's rollup), each month's figure shown only if it is about no
    fewer than ``k`` events."""
    kept = stats_rollup.activity(months)
    figures: dict[str, int | None] = {}
    for kind in ACTIVITY:
        tally = disclosure.Tally()
        for month in months:
            tally.add(disclosure.shown_total(kept.get(month, {}).get(kind, 0), k))
        figures[kind] = report.count(f"activity.{kind}", tally)
    return figures


def months_between(start: date, end: date) -> list[Month]:
    """Every month from ``start``'s to ``end``'s."""
    month, last = (start.year, start.month), (end.year, end.month)
    months = []
    while month <= last:
        months.append(month)
        month = stats_months.next_month(month)
    return months
