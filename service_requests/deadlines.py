"""Due dates, pauses, overdue and on-time: derived, never stored as flags.

Pure functions over instants (UTC) and working-day counts; the calendar is
:mod:`service_requests.calendar`.

* The clock starts on the receipt day (:func:`calendar.receipt_day`); the dossier is
  due at closing time of the day that many working days later.
* A supplement or fee request pauses the clock; when it ends, the due moment moves
  by the working days the pause spanned.
* A dossier is *overdue* once the moment it is judged at — now, the start of a
  running pause, or the end of processing — is past its due moment.
* For Decision 766's index, a finished dossier is *on time* when processing ended
  by the target (statutory + pauses; an apology does not move it) and it needed at
  most one supplement request. The verdict is given once, when processing ends, and
  stored; an open dossier *counts as late* when it would not be on time if it ended
  at the moment it is judged at.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Final

from service_requests import calendar

#: More supplement requests than this make a dossier late for Decision 766.
MAX_SUPPLEMENT_REQUESTS: Final = 1


def initial_due(submitted_at: datetime, working_days: int) -> tuple[date, datetime]:
    """The day the clock starts and the moment the dossier falls due."""
    start = calendar.receipt_day(submitted_at)
    return start, calendar.closing_time(calendar.add_working_days(start, working_days))


def due_day(due_at: datetime) -> date:
    """The calendar day (in Vietnam) of a due moment."""
    return calendar.local(due_at).date()


def paused_days(paused_from: datetime, paused_to: datetime) -> int:
    """Working days a pause spanned: those after the day it began, up to its last."""
    return calendar.working_days_after(
        calendar.local(paused_from).date(), calendar.local(paused_to).date()
    )


def moved(due_at: datetime, working_days: int) -> datetime:
    """A due moment pushed back by ``working_days``."""
    return calendar.closing_time(
        calendar.add_working_days(due_day(due_at), working_days)
    )


def moved_by_pauses(
    due_at: datetime, pauses: Iterable[tuple[datetime, datetime]]
) -> datetime:
    """A due moment moved by each of these ended pauses in turn, as resuming does."""
    for started, ended in sorted(pauses):
        due_at = moved(due_at, paused_days(started, ended))
    return due_at


def judged_at(
    now: datetime, paused_at: datetime | None, finished_at: datetime | None
) -> datetime:
    """The moment lateness is judged at: processing's end, a pause's start, or now."""
    return finished_at or paused_at or now


def is_overdue(
    due_at: datetime,
    now: datetime,
    *,
    paused_at: datetime | None = None,
    finished_at: datetime | None = None,
) -> bool:
    """Past the due moment, with the clock stopped during a pause."""
    return judged_at(now, paused_at, finished_at) > due_at


def is_on_time(
    finished_at: datetime, target_due_at: datetime, supplement_requests: int
) -> bool:
    """Decision 766: ended by the target, with at most one supplement request."""
    return (
        finished_at <= target_due_at and supplement_requests <= MAX_SUPPLEMENT_REQUESTS
    )


def counts_as_late(
    now: datetime,
    paused_at: datetime | None,
    target_due_at: datetime,
    supplement_requests: int,
) -> bool:
    """Decision 766 for an open dossier: it would not be on time if it ended now."""
    return not is_on_time(
        judged_at(now, paused_at, None), target_due_at, supplement_requests
    )


def processing_working_days(
    clock_start: date, finished_at: datetime, paused_working_days: int
) -> int:
    """Working days from the receipt day to the end of processing, pauses excluded."""
    spent = calendar.working_days_after(clock_start, calendar.local(finished_at).date())
    return max(spent - paused_working_days, 0)
