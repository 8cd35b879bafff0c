"""Worked examples of the working-day deadline engine (Asia/Ho_Chi_Minh).

2026: Tết runs Mon 16 – Fri 20 February; National Day is Tue 1 and Wed 2
September, with Mon 31 August taken off in exchange for Saturday 22 August.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from service_requests import calendar, deadlines


def vn(*parts: int) -> datetime:
    """A moment on the clock in Vietnam."""
    return datetime(*parts, tzinfo=calendar.TIMEZONE)  # type: ignore[misc]


def due(submitted: datetime, days: int) -> tuple[date, date]:
    start, due_at = deadlines.initial_due(submitted, days)
    return start, deadlines.due_day(due_at)


def test_across_a_weekend():
    # Friday morning, 5 working days: Mon, Tue, Wed, Thu, Fri.
    assert due(vn(2026, 11, 27, 10, 0), 5) == (date(2026, 11, 27), date(2026, 12, 4))


def test_after_office_hours_counts_from_the_next_working_day():
    assert due(vn(2026, 11, 27, 17, 30), 5) == (date(2026, 11, 30), date(2026, 12, 7))
    # Closing time itself is already after hours; a Sunday counts from Monday.
    assert due(vn(2026, 11, 27, 17, 0), 1)[0] == date(2026, 11, 30)
    assert due(vn(2026, 11, 29, 9, 0), 1) == (date(2026, 11, 30), date(2026, 12, 1))


def test_across_tet():
    # Thursday 12 Feb, 3 days: Fri 13, then nothing until Mon 23, Tue 24.
    assert due(vn(2026, 2, 12, 9, 0), 3) == (date(2026, 2, 12), date(2026, 2, 24))


def test_across_national_day():
    # Friday 28 Aug at 16:00, 5 days: Mon 31, Tue 1 and Wed 2 are off.
    assert due(vn(2026, 8, 28, 16, 0), 5) == (date(2026, 8, 28), date(2026, 9, 9))


def test_a_saturday_worked_in_exchange_is_a_working_day():
    assert calendar.is_working_day(date(2026, 8, 22))
    assert due(vn(2026, 8, 21, 10, 0), 1)[1] == date(2026, 8, 22)
    assert not calendar.is_working_day(date(2026, 8, 31))


def test_the_due_moment_is_closing_time_in_vietnam():
    _start, due_at = deadlines.initial_due(vn(2026, 11, 27, 10, 0), 5)
    assert due_at == vn(2026, 12, 4, 17, 0)


def test_a_pause_moves_the_due_date_by_the_working_days_it_spanned():
    _start, due_at = deadlines.initial_due(vn(2026, 11, 27, 10, 0), 5)  # Fri 4 Dec
    paused = deadlines.paused_days(vn(2026, 11, 30, 10, 0), vn(2026, 12, 3, 9, 0))
    assert paused == 3  # Tue 1, Wed 2, Thu 3 December
    assert deadlines.due_day(deadlines.moved(due_at, paused)) == date(2026, 12, 9)
    # A pause over a weekend costs only its working days; within a day, none.
    assert deadlines.paused_days(vn(2026, 12, 4, 15, 0), vn(2026, 12, 7, 8, 0)) == 1
    assert deadlines.paused_days(vn(2026, 12, 4, 8, 0), vn(2026, 12, 4, 16, 0)) == 0


def test_pauses_move_the_due_moment_one_after_another_in_any_order():
    _start, due_at = deadlines.initial_due(vn(2026, 11, 27, 10, 0), 5)  # Fri 4 Dec
    first = (vn(2026, 11, 30, 10, 0), vn(2026, 12, 3, 9, 0))  # 3 working days
    second = (vn(2026, 12, 10, 10, 0), vn(2026, 12, 14, 9, 0))  # Fri 11, Mon 14
    moved = deadlines.moved_by_pauses(due_at, [second, first])
    assert deadlines.due_day(moved) == date(2026, 12, 11)  # 9 Dec, then 2 more
    assert moved == deadlines.moved(deadlines.moved(due_at, 3), 2)
    assert deadlines.moved_by_pauses(due_at, []) == due_at


def test_a_pause_across_tet_costs_no_holiday():
    paused = deadlines.paused_days(vn(2026, 2, 13, 10, 0), vn(2026, 2, 24, 10, 0))
    assert paused == 2  # Mon 23 and Tue 24 only


@pytest.mark.parametrize(
    ("finished", "on_time"),
    [
        (vn(2026, 12, 4, 16, 59), True),
        (vn(2026, 12, 4, 17, 0), True),  # on the due moment is on time
        (vn(2026, 12, 4, 17, 1), False),
        (vn(2026, 12, 7, 8, 0), False),
    ],
)
def test_finished_by_the_due_moment_is_on_time(finished, on_time):
    _start, due_at = deadlines.initial_due(vn(2026, 11, 27, 10, 0), 5)
    assert deadlines.is_on_time(finished, due_at, supplement_requests=1) is on_time
    assert deadlines.is_overdue(due_at, finished) is not on_time


def test_a_second_supplement_request_counts_as_late():
    _start, due_at = deadlines.initial_due(vn(2026, 11, 27, 10, 0), 5)
    assert not deadlines.is_on_time(vn(2026, 11, 30, 9, 0), due_at, 2)


def test_overdue_is_judged_at_the_pause_or_the_end_not_now():
    _start, due_at = deadlines.initial_due(vn(2026, 11, 27, 10, 0), 5)
    later = vn(2026, 12, 10, 9, 0)
    assert deadlines.is_overdue(due_at, later)
    assert not deadlines.is_overdue(due_at, later, paused_at=vn(2026, 12, 2, 9, 0))
    assert deadlines.is_overdue(due_at, later, paused_at=vn(2026, 12, 7, 9, 0))
    assert not deadlines.is_overdue(due_at, later, finished_at=vn(2026, 12, 3, 9, 0))


def test_processing_time_excludes_pauses():
    assert (
        deadlines.processing_working_days(date(2026, 11, 27), vn(2026, 12, 9, 9, 0), 3)
        == 5
    )


def test_an_open_dossier_paused_before_its_target_is_not_late_while_paused():
    """The clock stands still from the pause: a dossier waiting on the citizen since
    before its target is judged at the pause's start, however long it waits."""
    target = datetime(2025, 3, 10, 10, tzinfo=calendar.TIMEZONE)
    paused = datetime(2025, 3, 5, 9, tzinfo=calendar.TIMEZONE)
    weeks_later = datetime(2025, 4, 1, 9, tzinfo=calendar.TIMEZONE)
    assert not deadlines.counts_as_late(weeks_later, paused, target, 1)
    assert deadlines.counts_as_late(weeks_later, None, target, 1)
