"""Small-cell suppression: no figure anyone reads counts fewer than k people.

One mechanism for every aggregate (the operations centre's statistics and any
other). A figure is computed over *units*, groups that never overlap (for the
one-stop shop: one agency in one calendar month), and each unit is protected on
its own:

* a count of 1 to k - 1 is hidden (``None``), and so is its total;
* within a partition whose total is shown, more cells are hidden, smallest first,
  until the hidden ones together leave room (complementary suppression): the
  total minus the shown cells gives their sum, and a shown zero tells that every
  hidden cell holds at least 1, so each hidden cell could hold anything from 1 to
  that sum less one for each other hidden cell — which must reach k. (Hiding
  cells until they merely *sum* to k let four hidden days summing to 4 read as
  one dossier a day.) When that cannot be reached the whole partition is hidden,
  zeros included, or the zeros would point at the cells holding everybody;
* a figure derived from cells (a sum, a rate, a mean) is shown only when every
  cell it needs is, and a mean needs at least k values.

An answer over several units adds up what each unit shows and leaves out what it
hides (saying which figures are therefore partial), so every number it gives is a
sum of numbers the units show: no difference between two answers — two periods,
one agency against all — isolates a hidden count.

A unit is shown only once its period has closed, and as it stood at the close:
each fact is counted in the period it happened in, from what had happened by
then, so nothing later changes it (:func:`last_closed_month`). Figures recomputed
from a unit that keeps changing would let two answers, asked before and after one
person's rating or move, be subtracted to give that one contribution exactly.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Final, TypeVar

from flask import current_app

#: The smallest number of people a shown figure may count (``STATS_MIN_CELL``).
DEFAULT_MIN_CELL: Final = 5

#: After a period ends, how long a write begun within it may still be landing;
#: its unit is shown only after that.
PUBLICATION_DELAY: Final = timedelta(hours=1)

K = TypeVar("K", bound=Hashable)


def min_cell() -> int:
    """The configured k: the fewest people a shown figure may be about (at least 2)."""
    k = int(current_app.config.get("STATS_MIN_CELL", DEFAULT_MIN_CELL))
    if k < 2:
        raise ValueError("STATS_MIN_CELL must be at least 2")
    return k


def last_closed_month(now: datetime, zone: tzinfo) -> tuple[int, int]:
    """The latest calendar month (in ``zone``) whose units may be shown at ``now``."""
    local = (now - PUBLICATION_DELAY).astimezone(zone)
    return (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)


def hidden_cells(cells: Mapping[K, int], k: int) -> frozenset[K]:
    """The cells of a partition to hide: the small ones and their complements,
    until no hidden cell can be pinned below k (its largest possible value, the
    hidden sum less 1 for each other hidden cell, is at least k)."""
    hidden = {key for key, count in cells.items() if 0 < count < k}
    if not hidden:
        return frozenset()
    held = sum(cells[key] for key in hidden)

    def room() -> int:
        return held - (len(hidden) - 1)

    candidates = sorted(
        (count, str(key), key)
        for key, count in cells.items()
        if count > 0 and key not in hidden
    )
    for count, _name, key in candidates:
        if room() >= k:
            break
        hidden.add(key)
        held += count
    return frozenset(hidden) if room() >= k else frozenset(cells)


def protect(cells: Mapping[K, int], k: int) -> dict[K, int | None]:
    """A partition as it may be shown: hidden cells are ``None``."""
    hidden = hidden_cells(cells, k)
    return {key: None if key in hidden else count for key, count in cells.items()}


def shown_total(total: int, k: int) -> int | None:
    """A group's size, hidden when it counts 1 to k - 1 people."""
    return total if total == 0 or total >= k else None


def sum_of(shown: Mapping[K, int | None], keys: Iterable[K]) -> int | None:
    """The sum of some shown cells, or ``None`` if any of them is hidden."""
    values = [shown.get(key, 0) for key in keys]
    if any(value is None for value in values):
        return None
    return sum(value for value in values if value is not None)


@dataclass
class Tally:
    """One figure added up over units: what they show, and whether any hid it."""

    value: int = 0
    shown_by: int = 0
    hidden_by: int = 0

    def add(self, value: int | None) -> None:
        """Add one unit's figure (``None`` when that unit hides it)."""
        if value is None:
            self.hidden_by += 1
        else:
            self.value += value
            self.shown_by += 1

    @property
    def result(self) -> int | None:
        """The sum of what the units show; ``None`` if none of them shows it."""
        return self.value if self.shown_by or not self.hidden_by else None

    @property
    def partial(self) -> bool:
        """True when some unit hid its part, so the sum leaves it out."""
        return self.hidden_by > 0 and self.shown_by > 0


@dataclass
class Ratio:
    """A rate or mean added up over the units that may show it."""

    numerator: float = 0.0
    denominator: int = 0
    shown_by: int = 0
    hidden_by: int = 0

    def add(self, numerator: float, denominator: int, shown: bool) -> None:
        """Add one unit's part; a unit that may not show it is left out."""
        if not shown:
            self.hidden_by += 1
            return
        self.shown_by += 1
        self.numerator += numerator
        self.denominator += denominator

    def result(self, digits: int) -> float | None:
        """The ratio over the units that show it, rounded; ``None`` if none does."""
        if not self.denominator:
            return None
        return round(self.numerator / self.denominator, digits)

    @property
    def partial(self) -> bool:
        """True when some unit's part is left out."""
        return self.hidden_by > 0 and self.shown_by > 0


@dataclass
class Report:
    """Which figures of an answer are hidden, and which leave some units out."""

    suppressed: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)

    def count(self, path: str, tally: Tally) -> int | None:
        """The result of a tally, noted under ``path`` if hidden or partial."""
        result = tally.result
        self._note(path, result is None, tally.partial)
        return result

    def ratio(self, path: str, ratio: Ratio, digits: int) -> float | None:
        """The result of a ratio, noted under ``path`` if hidden or partial."""
        result = ratio.result(digits)
        self._note(path, result is None and ratio.hidden_by > 0, ratio.partial)
        return result

    def _note(self, path: str, hidden: bool, partial: bool) -> None:
        if hidden:
            self.suppressed.append(path)
        elif partial:
            self.partial.append(path)
