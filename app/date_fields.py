"""Dates and instants within sane bounds, so no input reaches year 9999.

A day or an instant the API takes lies between 1900-01-01 and ten years from
today (a birth date: today at the latest). Beyond that nothing is meaningful for
a citizen's records, deadlines or consents, and arithmetic near year 9999
overflows: ``9999-12-31T23:59:59-12:00`` cannot even be converted to UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any, Final
from zoneinfo import ZoneInfo

from marshmallow import ValidationError, fields

from app.i18n import add_validation_messages

EARLIEST_DAY: Final = date(1900, 1, 1)
HORIZON_YEARS: Final = 10
#: Where "today" is: a birth date typed in Vietnam is a Vietnamese day.
LOCAL_TIMEZONE: Final = ZoneInfo("Asia/Ho_Chi_Minh")

DAY_RANGE_ERROR: Final = "Must be a day from {earliest} to {latest}."
MOMENT_RANGE_ERROR: Final = "Must be an instant from {earliest} to {latest}."

add_validation_messages(
    {
        DAY_RANGE_ERROR: "Phải là một ngày từ {earliest} đến {latest}.",
        MOMENT_RANGE_ERROR: "Phải là một thời điểm từ {earliest} đến {latest}.",
    }
)


class OutOfBoundsError(ValueError):
    """A well-formed day or instant outside the accepted range."""


def local_today() -> date:
    """Today in Vietnam."""
    return datetime.now(LOCAL_TIMEZONE).date()


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def day_bounds(*, past: bool = False) -> tuple[date, date]:
    """The first and last day accepted (``past``: today is the last)."""
    today = local_today()
    return EARLIEST_DAY, today if past else _years_after(today, HORIZON_YEARS)


def check_day(day: date, *, past: bool = False) -> None:
    """Raise :class:`OutOfBoundsError` (:data:`DAY_RANGE_ERROR`) if ``day`` is out of bounds."""
    earliest, latest = day_bounds(past=past)
    if not earliest <= day <= latest:
        raise OutOfBoundsError(DAY_RANGE_ERROR.format(earliest=earliest, latest=latest))


def check_moment(moment: datetime) -> None:
    """Raise :class:`OutOfBoundsError` if the aware ``moment`` is out of bounds (or has
    no UTC form at all)."""
    earliest = datetime.combine(EARLIEST_DAY, time(), UTC)
    latest = datetime.combine(_years_after(local_today(), HORIZON_YEARS), time(), UTC)
    try:
        in_range = earliest <= moment.astimezone(UTC) <= latest
    except OverflowError:  # 9999-12-31T23:59:59-12:00 has no UTC form
        in_range = False
    if not in_range:
        raise OutOfBoundsError(
            MOMENT_RANGE_ERROR.format(
                earliest=earliest.isoformat(), latest=latest.isoformat()
            )
        )


class Date(fields.Date):
    """A calendar day from 1900-01-01 to ten years ahead.

    :param past: a day that has happened (a birth date): today at the latest.
    """

    def __init__(self, *, past: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.past = past

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> date:
        day: date = super()._deserialize(value, attr, data, **kwargs)
        try:
            check_day(day, past=self.past)
        except ValueError as error:
            raise ValidationError(str(error)) from None
        return day


class DateTime(fields.AwareDateTime):
    """An instant with its UTC offset (a naive one is refused), from 1900 to ten
    years ahead."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=None, **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> datetime:
        moment: datetime = super()._deserialize(value, attr, data, **kwargs)
        try:
            check_moment(moment)
        except ValueError as error:
            raise ValidationError(str(error)) from None
        return moment
