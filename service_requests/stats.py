"""Aggregates of the one-stop shop for the operations centre: counts, never people.

The figures follow the service-quality index of Decision 766/QĐ-TTg: on-time rate
(finished by the target, at most one supplement request), average processing time
in working days (pauses excluded), share of dossiers fully online, and — ours —
the share that reused digitised data instead of new uploads.

They are protected by :mod:`app.disclosure`: the period is whole calendar months
(Vietnam time), each agency's month is counted and protected on its own
(:mod:`service_requests.stats_units`), and an answer adds up what those show.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any, Final

import sqlalchemy as sa

from app import disclosure
from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden
from app.extensions import db
from identity import services as identity_services
from identity.models import OrganisationKind, Role
from service_requests import calendar, deadlines
from service_requests.models import (
    TERMINAL,
    DocumentSource,
    Dossier,
    DossierDocument,
    DossierRating,
    DossierStatus,
    OnlineLevel,
    Procedure,
)
from service_requests.services import RATING_INDICES, require_officer
from service_requests.stats_units import Counted, Month, Shown, show

#: Dossiers still being handled (the overdue figure is about these).
OPEN: Final = frozenset(DossierStatus) - TERMINAL - {DossierStatus.PROCESSED}


def _require_reader(actor: Actor, agency_id: uuid.UUID | None) -> None:
    """Analysts of the operations centre; an agency's officers for its own figures."""
    if actor.org_id is not None and actor.role == Role.OFFICER:
        if agency_id is None:
            raise Forbidden()
        require_officer(actor, agency_id)
        return
    if actor.org_id is None or actor.role != Role.ANALYST:
        raise Forbidden()
    organisation = identity_services.get_organisation(actor.org_id)
    if organisation.kind != OrganisationKind.OPERATIONS_CENTRE or not (
        identity_services.active_memberships(
            actor.citizen_id, actor.org_id, Role.ANALYST
        )
    ):
        raise Forbidden()


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=calendar.TIMEZONE)


def _month_of(moment: datetime) -> Month:
    local = calendar.local(moment)
    return local.year, local.month


def _first_day(month: Month) -> date:
    return date(month[0], month[1], 1)


def _last_day(month: Month) -> date:
    year, number = month
    following = date(year + number // 12, number % 12 + 1, 1)
    return following - timedelta(days=1)


def _period(
    date_from: date | None, date_to: date | None
) -> tuple[date | None, date | None]:
    """The period widened to whole calendar months."""
    start = _first_day((date_from.year, date_from.month)) if date_from else None
    end = _last_day((date_to.year, date_to.month)) if date_to else None
    return start, end


def _catalogue(agency_id: uuid.UUID | None) -> list[Procedure]:
    statement = sa.select(Procedure).order_by(Procedure.code)
    if agency_id is not None:
        statement = statement.where(Procedure.agency_id == agency_id)
    return list(db.session.scalars(statement))


def _count_units(scope: list[sa.ColumnElement[bool]]) -> dict[Any, Counted]:
    """Every dossier of the scope, counted into its agency's month."""
    reused = (
        sa.select(DossierDocument.dossier_id)
        .where(DossierDocument.source != DocumentSource.UPLOAD)
        .distinct()
    )
    rows = db.session.execute(
        sa.select(
            Dossier.agency_id,
            Dossier.submitted_at,
            Procedure.code,
            Dossier.status,
            Dossier.id.in_(reused),
            Dossier.clock_start,
            Dossier.finished_at,
            Dossier.paused_working_days,
            Dossier.on_time,
            Dossier.paused_at,
            Dossier.target_due_at,
            Dossier.supplement_requests,
        )
        .join(Procedure, Dossier.procedure_id == Procedure.id)
        .where(*scope)
    )
    now = utcnow()
    units: dict[Any, Counted] = defaultdict(Counted)
    for (
        agency,
        submitted_at,
        code,
        status,
        reused_data,
        clock_start,
        finished_at,
        paused_days,
        on_time,
        paused_at,
        target_due_at,
        supplement_requests,
    ) in rows:
        unit = units[agency, _month_of(submitted_at)]
        unit.statuses[int(status)] += 1
        unit.procedures[code] += 1
        unit.reused += bool(reused_data)
        if finished_at is not None:
            unit.on_time += bool(on_time)
            unit.processing_days.append(
                deadlines.processing_working_days(clock_start, finished_at, paused_days)
            )
        elif status in OPEN and deadlines.counts_as_late(
            now, paused_at, target_due_at, supplement_requests
        ):
            unit.late_open += 1
    ratings = db.session.execute(
        sa.select(Dossier.agency_id, Dossier.submitted_at, DossierRating.scores)
        .join(DossierRating, DossierRating.dossier_id == Dossier.id)
        .join(Procedure, Dossier.procedure_id == Procedure.id)
        .where(*scope)
    )
    for agency, submitted_at, scores in ratings:
        units[agency, _month_of(submitted_at)].scores.append(scores)
    return units


def compute(
    actor: Actor,
    *,
    date_from: date | None,
    date_to: date | None,
    agency_id: uuid.UUID | None,
) -> dict[str, Any]:
    """Figures for dossiers submitted in the period (whole Vietnam months)."""
    _require_reader(actor, agency_id)
    start, end = _period(date_from, date_to)
    scope = []
    if start is not None:
        scope.append(Dossier.submitted_at >= _start_of(start))
    if end is not None:
        scope.append(Dossier.submitted_at < _start_of(end + timedelta(days=1)))
    if agency_id is not None:
        scope.append(Dossier.agency_id == agency_id)
    catalogue = _catalogue(agency_id)
    online = {p.code for p in catalogue if p.online_level == OnlineLevel.FULL}
    codes_of: dict[uuid.UUID, set[str]] = defaultdict(set)
    for procedure in catalogue:
        codes_of[procedure.agency_id].add(procedure.code)
    k = disclosure.min_cell()
    shown = [
        show(counted, codes_of[agency] | set(counted.procedures), online, k)
        for (agency, _month), counted in sorted(
            _count_units(scope).items(), key=lambda item: (str(item[0][0]), item[0][1])
        )
    ]
    return {
        "period": {"from": start, "to": end},
        "agency_id": agency_id,
        "min_cell": k,
        **_answer(shown, catalogue),
    }


def _answer(units: list[Shown], catalogue: list[Procedure]) -> dict[str, Any]:
    """Add up what each agency's month shows; note what is hidden or partial."""
    tallies: dict[str, disclosure.Tally] = defaultdict(disclosure.Tally)
    ratios: dict[str, disclosure.Ratio] = defaultdict(disclosure.Ratio)
    for unit in units:
        for path, value in unit.counts.items():
            tallies[path].add(value)
        for path, (numerator, denominator, visible) in unit.ratios.items():
            ratios[path].add(numerator, denominator, visible)
    report = disclosure.Report()
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
    return {**figures, "suppressed": report.suppressed, "partial": report.partial}
