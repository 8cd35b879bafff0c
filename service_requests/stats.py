"""Aggregates of the one-stop shop for the operations centre: counts, never people.

The figures follow the service-quality index of Decision 766/QĐ-TTg: on-time rate
(finished by the target, at most one supplement request), average processing time
in working days (pauses excluded), share of dossiers fully online, and — ours —
the share that reused digitised data instead of new uploads.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

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
from service_requests.services import RATING_INDICES


def _require_analyst(actor: Actor) -> None:
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


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def compute(
    actor: Actor,
    *,
    date_from: date | None,
    date_to: date | None,
    agency_id: uuid.UUID | None,
) -> dict[str, Any]:
    """Figures for dossiers submitted in the period (Vietnam dates), one agency or all."""
    _require_analyst(actor)
    scope = []
    if date_from is not None:
        scope.append(Dossier.submitted_at >= _start_of(date_from))
    if date_to is not None:
        scope.append(Dossier.submitted_at < _start_of(date_to + timedelta(days=1)))
    if agency_id is not None:
        scope.append(Dossier.agency_id == agency_id)
    now = utcnow()
    reused = (
        sa.select(DossierDocument.dossier_id)
        .where(DossierDocument.source != DocumentSource.UPLOAD)
        .distinct()
    )
    on_time = sa.and_(
        Dossier.finished_at <= Dossier.target_due_at, Dossier.supplement_requests <= 1
    )
    late_open = sa.and_(
        Dossier.status.not_in(TERMINAL | {DossierStatus.PROCESSED}),
        sa.or_(
            sa.func.coalesce(Dossier.paused_at, now) > Dossier.target_due_at,
            Dossier.supplement_requests > 1,
        ),
    )

    def count(condition: sa.ColumnElement[bool] | None = None) -> sa.ColumnElement[int]:
        return (
            sa.func.count(sa.case((condition, 1)))
            if condition is not None
            else sa.func.count()
        )

    totals = db.session.execute(
        sa.select(
            count().label("total"),
            count(Dossier.finished_at.is_not(None)).label("finished"),
            count(on_time).label("on_time"),
            count(late_open).label("overdue_open"),
            count(Dossier.id.in_(reused)).label("reused"),
            count(Procedure.online_level == OnlineLevel.FULL).label("online"),
        )
        .join(Procedure)
        .where(*scope)
    ).one()
    by_status = dict(
        db.session.execute(
            sa.select(Dossier.status, sa.func.count())
            .where(*scope)
            .group_by(Dossier.status)
        ).all()
    )
    by_procedure = db.session.execute(
        sa.select(Procedure.code, Procedure.name, Procedure.name_en, sa.func.count())
        .join(Dossier, Dossier.procedure_id == Procedure.id)
        .where(*scope)
        .group_by(Procedure.code, Procedure.name, Procedure.name_en)
        .order_by(Procedure.code)
    ).all()
    finished = db.session.execute(
        sa.select(
            Dossier.clock_start, Dossier.finished_at, Dossier.paused_working_days
        ).where(*scope, Dossier.finished_at.is_not(None))
    ).all()
    processing_days = [
        deadlines.processing_working_days(start, end, paused)
        for start, end, paused in finished
        if end is not None
    ]
    ratings = list(
        db.session.scalars(sa.select(DossierRating.scores).join(Dossier).where(*scope))
    )
    return {
        "period": {"from": date_from, "to": date_to},
        "agency_id": agency_id,
        "dossiers": totals.total,
        "by_status": {
            str(int(status)): by_status.get(status, 0) for status in DossierStatus
        },
        "by_procedure": [
            {"code": code, "name": name, "name_en": name_en, "dossiers": number}
            for code, name, name_en, number in by_procedure
        ],
        "finished": totals.finished,
        "on_time": totals.on_time,
        "on_time_rate": _ratio(totals.on_time, totals.finished),
        "overdue_open": totals.overdue_open,
        "average_processing_working_days": (
            round(sum(processing_days) / len(processing_days), 2)
            if processing_days
            else None
        ),
        "reused_digitised_data_share": _ratio(totals.reused, totals.total),
        "fully_online_share": _ratio(totals.online, totals.total),
        "ratings": len(ratings),
        "average_scores": {
            index: round(sum(r[index] for r in ratings) / len(ratings), 2)
            for index in RATING_INDICES
        }
        if ratings
        else None,
    }
