"""Statistics asked again later: no difference of two answers isolates anyone.

Issue 12's attacker read the ward's month before and after one more rating and
recovered it exactly. A unit (an agency's month) is published once, after it has
closed, as it stood at its close, and never changes afterwards.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.db import utcnow
from app.extensions import db
from service_requests import calendar, stats_months
from service_requests.models import MonthUnit
from service_requests.ratings import RATING_INDICES
from tests.demo_ids import AN, WARD
from tests.service_requests.test_stats import PLAIN_SCORES, rate, stats, walk

ZEROS = dict.fromkeys(RATING_INDICES, 0)
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


def vn(year: int, month: int, day: int, hour: int = 9) -> datetime:
    """A moment in Vietnam."""
    return datetime.combine(
        date(year, month, day), time(hour), tzinfo=calendar.TIMEZONE
    )


def _this_month() -> dict[str, str]:
    today = calendar.local(utcnow()).date()
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return {
        "from": first.isoformat(),
        "to": (following - timedelta(days=1)).isoformat(),
    }


def _rating_figures(answer) -> tuple:
    return answer["ratings"], answer["average_scores"]


def figures(answer) -> dict:
    """An answer without ``published_to``, which moves on as months close."""
    return {name: value for name, value in answer.items() if name != "published_to"}


def test_one_more_rating_is_not_recovered_by_asking_again(shop, organisation, clock):
    """Issue 12, finding 1, as sent: 7 × 1.43 - 6 × 1.67 = 0 on every index.

    The ward's month ran 6 ratings averaging 1.67, then 7 averaging 1.43: the
    seventh, all zeros (staff attitude included), was recovered by the officer
    it is about, and by the analyst.
    """
    officer = shop.officer()
    ward = str(organisation(WARD).id)
    month = _this_month()
    dossiers = [shop.submit(AN)["id"] for _ in range(9)]  # with the demo's, 12
    for dossier in dossiers:
        walk(shop, dossier, [2, 4, 9, 10], officer)
    for dossier in dossiers[:5]:
        rate(shop, dossier, PLAIN_SCORES, AN)
    rate(shop, dossiers[5], ZEROS, AN)

    before = stats(shop, officer, agency_id=ward, **month)
    rate(shop, dossiers[6], ZEROS, AN)  # the victim's rating
    after = stats(shop, officer, agency_id=ward, **month)
    analyst = stats(shop, agency_id=ward, **month)

    assert (
        _rating_figures(before) == _rating_figures(after) == _rating_figures(analyst)
    ), (before["ratings"], after["ratings"])
    assert before == after == analyst
    # The month is running: nothing of it is published yet.
    assert date.fromisoformat(after["published_to"]) < date.fromisoformat(month["from"])
    assert (after["dossiers"], after["ratings"]) == (None, None)

    # Published once it has closed, as it stood then; a rating given later counts
    # in the month it is given.
    following = date.fromisoformat(month["to"]) + timedelta(days=1)
    clock.at(vn(following.year, following.month, 1, 2))
    closed = stats(shop, officer, agency_id=ward, **month)
    assert closed["dossiers"] == 12
    assert _rating_figures(closed) == (7, dict.fromkeys(RATING_INDICES, 1.43))
    rate(shop, dossiers[7], ZEROS, AN)
    assert figures(stats(shop, officer, agency_id=ward, **month)) == figures(closed)


def test_a_closed_month_stays_as_it_stood_at_its_close(shop, organisation, clock):
    """Moves, verdicts and the running clock after the close change nothing in it."""
    officer = shop.officer()
    ward = str(organisation(WARD).id)
    clock.at(vn(2025, 3, 12))
    done = [shop.submit(AN)["id"] for _ in range(6)]
    still_open = [shop.submit(AN)["id"] for _ in range(6)]
    for dossier in done:
        walk(shop, dossier, [2, 4, 9], officer)
    for dossier in still_open:
        walk(shop, dossier, [2, 4], officer)

    clock.at(vn(2025, 4, 1, 2))
    first = stats(shop, officer, agency_id=ward, **MARCH)
    assert first["dossiers"] == 12
    assert (first["by_status"]["4"], first["by_status"]["9"]) == (6, 6)
    assert (first["finished"], first["on_time"], first["overdue_open"]) == (6, 6, 6)

    clock.at(vn(2025, 4, 21))
    walk(shop, still_open[0], [9], officer)  # one finishes, late, in April
    walk(shop, still_open[1], [5], officer)  # one waits for a supplement
    clock.at(vn(2025, 7, 1))
    assert figures(stats(shop, officer, agency_id=ward, **MARCH)) == figures(first)
    assert figures(stats(shop, agency_id=ward, **MARCH)) == figures(first)


def test_a_rating_counts_in_the_month_it_is_given(shop, organisation, clock):
    """A March dossier rated in April changes April's figures, never March's."""
    officer = shop.officer()
    ward = str(organisation(WARD).id)
    clock.at(vn(2025, 3, 12))
    returned = [shop.submit(AN)["id"] for _ in range(11)]
    for dossier in returned:
        walk(shop, dossier, [2, 4, 9, 10], officer)
    for dossier in returned[:5]:
        rate(shop, dossier, PLAIN_SCORES, AN)

    clock.at(vn(2025, 4, 1, 2))
    march = stats(shop, officer, agency_id=ward, **MARCH)
    assert march["ratings"] == 5
    assert march["average_scores"] == dict.fromkeys(RATING_INDICES, 2.0)

    clock.at(vn(2025, 4, 10))
    rate(shop, returned[5], ZEROS, AN)
    clock.at(vn(2025, 5, 2))
    assert figures(stats(shop, officer, agency_id=ward, **MARCH)) == figures(march)
    april = stats(shop, officer, agency_id=ward, **{"from": "2025-04-01"})
    assert (april["ratings"], april["average_scores"]) == (None, None)
    assert "ratings" in april["suppressed"]
    both = stats(shop, officer, agency_id=ward, **{"from": "2025-03-01"})
    assert _rating_figures(both) == _rating_figures(march)
    assert "ratings" in both["partial"]


def test_an_officer_cannot_tell_which_dossier_was_rated(shop, organisation):
    """Nothing he reads about a dossier, one by one, moves when it is rated."""
    officer = shop.officer()
    ward = organisation(WARD).id
    dossier = shop.submit(AN)["id"]
    walk(shop, dossier, [2, 4, 9, 10], officer)

    def views() -> list:
        return [
            shop.read(dossier, officer).get_json(),
            shop.client.get(f"/api/v1/agencies/{ward}/dossiers", headers=officer),
            shop.client.get("/open311/v2/requests.json", headers=officer),
            shop.client.get("/api/v1/notifications", headers=officer),
        ]

    before = views()
    rate(shop, dossier, ZEROS, AN)
    after = views()
    assert before[0] == after[0]
    assert before[0]["rating"] is None
    for old, new in zip(before[1:], after[1:], strict=True):
        assert (old.status_code, old.get_json()) == (new.status_code, new.get_json())


def test_a_month_not_yet_published_is_never_counted(clock):
    clock.at(
        datetime(2025, 4, 1, 0, 30, tzinfo=calendar.TIMEZONE)
    )  # March closed 30 min ago
    assert stats_months.last_published(utcnow()) == (2025, 2)
    with pytest.raises(ValueError, match="not yet published"):
        stats_months.count(None, date(2025, 3, 31), None)
    assert stats_months.count(None, date(2025, 2, 28), None) is not None


def test_a_closed_month_is_counted_once_then_read_from_what_was_kept(
    shop, organisation, clock
):
    """At a province's scale no request may scan every dossier: the first request
    for a closed month counts that month and keeps its units; later ones read them."""
    officer = shop.officer()
    ward = str(organisation(WARD).id)
    clock.at(vn(2025, 3, 12))
    for _ in range(6):
        shop.submit(AN)
    clock.at(vn(2025, 4, 1, 2))
    first = stats(shop, officer, agency_id=ward, **MARCH)
    assert first["dossiers"] == 6
    kept = db.session.scalars(
        sa.select(MonthUnit.counted).where(MonthUnit.year == 2025, MonthUnit.month == 3)
    ).all()
    assert sum(sum(unit["statuses"].values()) for unit in kept) == 6

    asked: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        asked.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        again = stats(shop, agency_id=ward, **MARCH)
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    assert figures(again) == figures(first)
    read = " ".join(asked)
    assert "stats_month_units" in read
    for table in ("FROM dossiers", "dossier_events", "dossier_ratings"):
        assert table not in read, table


def test_the_daily_count_counts_each_published_month_once(app, shop, clock):
    clock.at(vn(2025, 3, 12))
    shop.submit(AN)
    clock.at(vn(2025, 5, 2))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["count-stats"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("Counted 2 months")  # March and April
    assert runner.invoke(args=["count-stats"]).output.startswith("Counted 0 months")
