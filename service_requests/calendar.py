"""Working days of Vietnamese public administration, in Asia/Ho_Chi_Minh time.

A pure module: no database. Weekends, public holidays (Tết, 30/4, 1/5, 2/9 and the
rest) and the Saturdays worked in exchange for a bridged holiday come from the
``holidays`` package, which follows the government's yearly decisions.

Deadlines of administrative procedures count working days from the day a dossier
is received. A dossier filed online outside office hours, or on a day off, is
received at the opening of the next working day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Final
from zoneinfo import ZoneInfo

import holidays

TIMEZONE: Final = ZoneInfo("Asia/Ho_Chi_Minh")
#: Office hours of the one-stop counters, as the province sets them.
OPENS: Final = time(7, 30)
CLOSES: Final = time(17, 0)


@cache
def _calendar() -> holidays.HolidayBase:
    # Years are filled in on first use of each; a shared instance keeps that cheap.
    return holidays.country_holidays("VN", language="vi")


def local(moment: datetime) -> datetime:
    """``moment`` (timezone-aware) on the clock in Vietnam."""
    return moment.astimezone(TIMEZONE)


def is_working_day(day: date) -> bool:
    """A weekday that is no public holiday, or a Saturday worked in exchange."""
    return bool(_calendar().is_working_day(day))


def holiday_name(day: date) -> str | None:
    """The holiday's Vietnamese name, if ``day`` is one."""
    name = _calendar().get(day)
    return str(name) if name else None


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day``."""
    return add_working_days(day, 1)


def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself when 0)."""
    if count == 0:
        return day
    return date.fromisoformat(str(_calendar().get_nth_working_day(day, count)))


def working_days_after(start: date, end: date) -> int:
    """How many working days fall in ``(start, end]``: 0 when ``end <= start``."""
    if end <= start:
        return 0
    return int(_calendar().get_working_days_count(start + timedelta(days=1), end))


def receipt_day(submitted_at: datetime) -> date:
    """The working day a submission counts as received.

    During office hours on a working day (or before opening), that day; after
    closing or on a day off, the next working day.
    """
    moment = local(submitted_at)
    day = moment.date()
    if is_working_day(day) and moment.time() < CLOSES:
        return day
    return next_working_day(day)


def closing_time(day: date) -> datetime:
    """The end of office hours on ``day``, in UTC: the last moment that is on time."""
    return datetime.combine(day, CLOSES, tzinfo=TIMEZONE).astimezone(UTC)
