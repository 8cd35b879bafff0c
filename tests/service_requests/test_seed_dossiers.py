"""``flask seed-dossiers``: dossiers at scale that the statistics count as they would real ones."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from service_requests import stats_months
from service_requests.models import Dossier, DossierEvent, DossierStatus
from service_requests.stats_units import FINISHED


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_the_command_writes_dossiers_with_histories_once(app):
    runner = app.test_cli_runner()
    dossiers, events = _count(Dossier), _count(DossierEvent)
    result = runner.invoke(args=["seed-dossiers", "--count", "600", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "600 dossiers" in result.output
    assert _count(Dossier) == dossiers + 600
    assert _count(DossierEvent) >= events + 600 * 3
    # Run again (as the README's walkthrough may be), it changes nothing.
    again = runner.invoke(args=["seed-dossiers", "--count", "600", "--seed", "4"])
    assert again.exit_code == 0, again.output
    assert "already in this database: nothing to do" in again.output
    assert _count(Dossier) == dossiers + 600


def test_a_synthetic_month_counts_as_its_histories_say(app):
    """Their histories are whole: each dossier's status at its month's close is the
    one its history leads to, and most are finished."""
    app.test_cli_runner().invoke(
        args=["seed-dossiers", "--count", "400", "--seed", "7"]
    )
    published = stats_months.last_day(stats_months.last_published(utcnow()))
    statuses: Counter[int] = Counter()
    for unit in stats_months.count(None, published, None).values():
        statuses.update(unit.statuses)
    assert sum(statuses.values()) >= 400
    finished = sum(n for status, n in statuses.items() if status in FINISHED)
    assert finished > sum(statuses.values()) / 2
    assert set(statuses) <= {int(s) for s in DossierStatus}
