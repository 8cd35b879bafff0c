"""Aggregates of the one-stop shop for the operations centre: counts, never people.

The figures follow the service-quality index of Decision 766/QĐ-TTg: on-time rate
(finished by the target, at most one supplement request), average processing time
in working days (pauses excluded), share of dossiers fully online, and — ours —
the share that reused digitised data instead of new uploads.

They are protected by :mod:`app.disclosure`: the period is whole calendar months
(Vietnam time), each agency's month is counted as it stood when it closed and
published only then (:mod:`service_requests.stats_months`), it is protected on its
own (:mod:`service_requests.stats_units`), and an answer adds up what those show.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa

from app import disclosure
from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden
from app.extensions import db
from service_requests import policies, stats_dashboard, stats_months, stats_rollup
from service_requests.models import DossierStatus, OnlineLevel, Procedure
from service_requests.ratings import RATING_INDICES
from service_requests.stats_dashboard import Unit
from service_requests.stats_units import Shown, show


def _require_reader(actor: Actor, agency_id: uuid.UUID | None) -> None:
    if not policies.can_read_stats(actor, agency_id):
        raise Forbidden()


def _period(
    date_from: date | None, date_to: date | None
) -> tuple[date | None, date | None]:
    """The period widened to whole calendar months."""
    start = (
        stats_months.first_day((date_from.year, date_from.month)) if date_from else None
    )
    end = stats_months.last_day((date_to.year, date_to.month)) if date_to else None
    return start, end


def _catalogue(agency_id: uuid.UUID | None) -> list[Procedure]:
    statement = sa.select(Procedure).order_by(Procedure.code)
    if agency_id is not None:
        statement = statement.where(Procedure.agency_id == agency_id)
    return list(db.session.scalars(statement))


def compute(
    actor: Actor,
    *,
    date_from: date | None,
    date_to: date | None,
    agency_id: uuid.UUID | None,
    interval: str = "month",
) -> dict[str, Any]:
    """Figures for the period's closed months (whole Vietnam months), as they closed.

    ``published_to`` is the last day of the last closed month: the figures cover
    the period up to it, and the months after it are not published yet. The
    dashboard's figures (:mod:`service_requests.stats_dashboard`) come with them:
    the series by ``interval``, each agency's line, and, for the whole province
    only (no ``agency_id``), consent and transcript activity.
    """
    _require_reader(actor, agency_id)
    start, end = _period(date_from, date_to)
    published_to = stats_months.last_day(stats_months.last_published(utcnow()))
    covered = published_to if end is None else min(end, published_to)
    catalogue = _catalogue(agency_id)
    k = disclosure.min_cell()
    heading = {
        "period": {"from": start, "to": end},
        "published_to": published_to,
        "agency_id": agency_id,
        "min_cell": k,
        "interval": interval,
    }
    if start is not None and start > covered:
        return {**heading, **_unpublished(catalogue)}
    online = {p.code for p in catalogue if p.online_level == OnlineLevel.FULL}
    codes_of: dict[uuid.UUID, set[str]] = defaultdict(set)
    for procedure in catalogue:
        codes_of[procedure.agency_id].add(procedure.code)
    counted_units = sorted(
        stats_rollup.units(start, covered, agency_id).items(),
        key=lambda item: (str(item[0][0]), item[0][1]),
    )
    shown = [
        (unit, show(counted, codes_of[unit[0]] | set(counted.procedures), online, k))
        for unit, counted in counted_units
    ]
    report = disclosure.Report()
    answer = _answer([unit for _key, unit in shown], catalogue, report)
    first = start or _first_month_shown(shown, covered)
    months = stats_dashboard.months_between(first, covered)
    answer["statuses"] = stats_dashboard.named_statuses(answer["by_status"])
    answer["by_agency"] = stats_dashboard.by_agency(shown, report)
    answer["series"] = stats_dashboard.series(
        [
            (unit, counted, protected)
            for (unit, counted), (_unit, protected) in zip(
                counted_units, shown, strict=True
            )
        ],
        interval,
        first,
        covered,
        k,
        report,
    )
    answer["activity"] = (
        stats_dashboard.activity(months, k, report)
        if agency_id is None
        else dict.fromkeys(stats_dashboard.ACTIVITY)
    )
    return {
        **heading,
        **answer,
        "suppressed": report.suppressed,
        "partial": report.partial,
    }


def _first_month_shown(shown: list[tuple[Unit, Shown]], covered: date) -> date:
    """Where an open-ended period starts: the first month any unit counts."""
    months = [month for (_agency, month), _unit in shown]
    return stats_months.first_day(min(months)) if months else covered.replace(day=1)


def _unpublished(catalogue: list[Procedure]) -> dict[str, Any]:
    """Every figure of a period none of whose months has closed yet: none."""
    nothing = _answer([], catalogue, disclosure.Report())
    by_status = dict.fromkeys(nothing["by_status"])
    return {
        **dict.fromkeys(nothing),
        "by_status": by_status,
        "statuses": stats_dashboard.named_statuses(by_status),
        "by_procedure": [
            {**line, "dossiers": None} for line in nothing["by_procedure"]
        ],
        "by_agency": [],
        "series": [],
        "activity": dict.fromkeys(stats_dashboard.ACTIVITY),
        "suppressed": [],
        "partial": [],
    }


def _answer(
    units: list[Shown], catalogue: list[Procedure], report: disclosure.Report
) -> dict[str, Any]:
    """Add up what each agency's month shows; note in ``report`` what is hidden
    or partial."""
    tallies: dict[str, disclosure.Tally] = defaultdict(disclosure.Tally)
    ratios: dict[str, disclosure.Ratio] = defaultdict(disclosure.Ratio)
    for unit in units:
        for path, value in unit.counts.items():
            tallies[path].add(value)
        for path, (numerator, denominator, visible) in unit.ratios.items():
            ratios[path].add(numerator, denominator, visible)
    figures: dict[str, Any] = {
        "dossiers": report.count("dossiers", tallies["dossiers"]),
        "by_status": {
            str(int(status)): report.count(
                f"by_status.{int(status)}", tallies[f"by_status.{int(status)}"]
            )
            for status in DossierStatus
        },
        "by_procedure": [
            {
                "code": procedure.code,
                "name": procedure.name,
                "name_en": procedure.name_en,
                "dossiers": report.count(
                    f"by_procedure.{procedure.code}",
                    tallies[f"by_procedure.{procedure.code}"],
                ),
            }
            for procedure in catalogue
        ],
    }
    for name in ("finished", "on_time", "overdue_open", "ratings"):
        figures[name] = report.count(name, tallies[name])
    for name, digits in (
        ("on_time_rate", 4),
        ("average_processing_working_days", 2),
        ("reused_digitised_data_share", 4),
        ("fully_online_share", 4),
    ):
        figures[name] = report.ratio(name, ratios[name], digits)
    averages = {
        index: report.ratio(f"average_scores.{index}", ratios[f"score.{index}"], 2)
        for index in RATING_INDICES
    }
    figures["average_scores"] = (
        averages if any(value is not None for value in averages.values()) else None
    )
    return figures
