"""Small-cell suppression: which cells a partition hides, and how answers add up."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app import disclosure
from app.disclosure import Ratio, Report, Tally


def test_a_small_cell_is_hidden_with_its_smallest_complement():
    cells = {"refused": 1, "processed": 30, "returned": 12, "stopped": 0}
    shown = disclosure.protect(cells, 5)
    # 43 minus the shown cells (12 + 0) leaves 31 over two cells: 1 is not recoverable.
    assert shown == {"refused": None, "processed": 30, "returned": None, "stopped": 0}


def test_complements_are_added_until_the_hidden_cells_hold_k():
    cells = {"a": 1, "b": 2, "c": 1, "d": 50}
    assert disclosure.hidden_cells(cells, 5) == {"a", "b", "c", "d"}


def test_no_hidden_cell_can_be_pinned_under_k_by_the_shown_zeros():
    """Issue 16's attacker: four hidden days summing to 4 beside shown zeros are
    one dossier each. Hidden cells hold at least 1 each (zeros are shown), so each
    may hold up to the hidden sum less one per other hidden cell: that must be k."""
    days = {1: 1, 2: 1, 3: 1, 4: 1, 5: 6, 6: 0, 7: 0}
    hidden = disclosure.hidden_cells(days, 5)
    held = sum(days[day] for day in hidden)
    assert held - (len(hidden) - 1) >= 5
    assert hidden == {1, 2, 3, 4, 5}
    # Summing to 5 is not enough when the two hidden cells could only be 1–4.
    assert disclosure.hidden_cells({"a": 2, "b": 3, "c": 40}, 5) == {"a", "b", "c"}
    # Where no complement leaves room, everything is hidden, zeros included.
    assert disclosure.hidden_cells({"a": 1, "b": 1, "c": 1, "d": 1, "e": 0}, 5) == {
        "a",
        "b",
        "c",
        "d",
        "e",
    }


def test_a_group_smaller_than_k_hides_everything_zeros_included():
    # Shown zeros would say the one dossier is in the one hidden cell.
    cells = {"refused": 0, "processed": 1, "returned": 0}
    assert disclosure.protect(cells, 5) == dict.fromkeys(cells)
    assert disclosure.shown_total(1, 5) is None
    assert disclosure.shown_total(0, 5) == 0
    assert disclosure.shown_total(5, 5) == 5


def test_nothing_small_nothing_hidden():
    cells = {"a": 0, "b": 5, "c": 9}
    assert disclosure.protect(cells, 5) == cells


def test_a_sum_of_cells_is_shown_only_if_every_cell_is():
    shown = {"stopped": None, "processed": 30, "returned": None}
    assert disclosure.sum_of(shown, ["processed"]) == 30
    assert disclosure.sum_of(shown, ["processed", "stopped"]) is None


def test_an_answer_adds_up_what_the_units_show_and_says_what_it_left_out():
    report = Report()
    complete, partial, hidden = Tally(), Tally(), Tally()
    for value in (7, 0):
        complete.add(value)
    for value in (7, None, 5):
        partial.add(value)
    hidden.add(None)
    assert report.count("complete", complete) == 7
    assert report.count("partial", partial) == 12
    assert report.count("hidden", hidden) is None
    rate = Ratio()
    rate.add(3, 6, shown=True)
    rate.add(1, 1, shown=False)
    assert report.ratio("rate", rate, 2) == 0.5
    assert (report.suppressed, report.partial) == (["hidden"], ["partial", "rate"])


VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("now", "month"),
    [
        (datetime(2026, 4, 15, 12, tzinfo=VIETNAM), (2026, 3)),
        # The month just ended is shown an hour after midnight, not before.
        (datetime(2026, 4, 1, 0, 59, tzinfo=VIETNAM), (2026, 2)),
        (datetime(2026, 4, 1, 1, 0, tzinfo=VIETNAM), (2026, 3)),
        (datetime(2026, 1, 1, 1, 0, tzinfo=VIETNAM), (2025, 12)),
        # Judged in the zone given: 18:30 UTC on 31 March is 01:30 on 1 April there.
        (datetime(2026, 3, 31, 18, 30, tzinfo=ZoneInfo("UTC")), (2026, 3)),
    ],
)
def test_a_month_is_shown_once_it_has_closed(now, month):
    assert disclosure.last_closed_month(now, VIETNAM) == month
