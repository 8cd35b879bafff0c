"""One agency's month: counted, then protected on its own.

The unit of :mod:`app.disclosure` for the one-stop shop, holding two groups of
people counted as :mod:`service_requests.stats_months` dates them: the dossiers
filed in the month, and the ratings given in it. Each partition of the dossiers
(by status, by procedure, on time or late, overdue or not, reused data or not) is
protected against their total; the figures that are exact sums of another
partition's cells (finished is statuses 8–10, fully online is the full-online
procedures) are derived from it, so that no figure can be set against another to
recover a hidden cell. The ratings are protected on their own: their number is
hidden under k, and so is every mean over them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

from app.disclosure import protect, shown_total, sum_of
from service_requests.models import DossierStatus
from service_requests.ratings import RATING_INDICES

#: (year, month) in Vietnam.
Month = tuple[int, int]
#: Where processing has ended: a dossier is finished exactly when in one of these.
FINISHED: Final = (
    int(DossierStatus.STOPPED),
    int(DossierStatus.PROCESSED),
    int(DossierStatus.RESULT_RETURNED),
)
COUNTS: Final = ("finished", "on_time", "overdue_open")
RATIOS: Final = (
    "on_time_rate",
    "average_processing_working_days",
    "reused_digitised_data_share",
    "fully_online_share",
)


@dataclass
class Counted:
    """What one agency's month holds, before any protection.

    Everything but the ratings (``rated``, ``score_totals``) is about the dossiers
    filed in the month; the ratings are those given in it. Only sums and counts are
    kept: a unit is as small for a million dossiers as for ten.
    """

    statuses: Counter[int] = field(default_factory=Counter)
    procedures: Counter[str] = field(default_factory=Counter)
    reused: int = 0
    on_time: int = 0
    late_open: int = 0
    #: Dossiers whose processing had ended by the close, and their working days.
    ended: int = 0
    processing_days: int = 0
    #: Ratings given in the month, and each index's sum over them.
    rated: int = 0
    score_totals: Counter[str] = field(default_factory=Counter)
    #: Dossiers filed on each day of the month (1–31), for the dashboard's series.
    days: Counter[int] = field(default_factory=Counter)

    def add_processing(self, working_days: int) -> None:
        """Count one dossier whose processing ended, in ``working_days``."""
        self.ended += 1
        self.processing_days += working_days

    def add_rating(self, scores: dict[str, int]) -> None:
        """Count one rating given in the month."""
        self.rated += 1
        self.score_totals.update(scores)

    @property
    def total(self) -> int:
        """How many dossiers the unit holds (filed in its month)."""
        return sum(self.statuses.values())

    def to_json(self) -> dict[str, Any]:
        """The unit as JSON, to keep (``stats_rollup``)."""
        return {
            "statuses": {str(status): n for status, n in self.statuses.items()},
            "procedures": dict(self.procedures),
            "reused": self.reused,
            "on_time": self.on_time,
            "late_open": self.late_open,
            "ended": self.ended,
            "processing_days": self.processing_days,
            "rated": self.rated,
            "score_totals": dict(self.score_totals),
            "days": {str(day): n for day, n in self.days.items()},
        }

    @classmethod
    def from_json(cls, kept: dict[str, Any]) -> Counted:
        """Inverse of :meth:`to_json`."""
        return cls(
            statuses=Counter({int(s): n for s, n in kept["statuses"].items()}),
            procedures=Counter(kept["procedures"]),
            reused=kept["reused"],
            on_time=kept["on_time"],
            late_open=kept["late_open"],
            ended=kept["ended"],
            processing_days=kept["processing_days"],
            rated=kept["rated"],
            score_totals=Counter(kept["score_totals"]),
            days=Counter({int(day): n for day, n in kept["days"].items()}),
        )


@dataclass
class Shown:
    """What a unit may show: counts (``None`` when hidden) and ratio parts."""

    #: path -> the count, or None.
    counts: dict[str, int | None]
    #: path -> (numerator, denominator, whether the unit may show it).
    ratios: dict[str, tuple[float, int, bool]]


def _hidden(procedures: set[str]) -> Shown:
    paths = [
        "dossiers",
        *(f"by_status.{int(status)}" for status in DossierStatus),
        *(f"by_procedure.{code}" for code in procedures),
        *COUNTS,
    ]
    return Shown(
        counts=dict.fromkeys(paths),
        ratios=dict.fromkeys(RATIOS, (0.0, 0, False)),
    )


def _split(part: int, whole: int, k: int) -> int | None:
    """A count protected with its complement in the unit (``whole - part``)."""
    return protect({"part": part, "rest": whole - part}, k)["part"]


def _mean_shown(values: int, k: int) -> bool:
    """A mean over no values hides nothing; over 1 to k - 1 it is hidden."""
    return values == 0 or values >= k


def show(counted: Counted, procedures: set[str], online: set[str], k: int) -> Shown:
    """Protect one unit: its dossiers' figures and its ratings', each on their own."""
    dossiers = _show_dossiers(counted, procedures, online, k)
    rated = counted.rated
    dossiers.counts["ratings"] = shown_total(rated, k)
    for index in RATING_INDICES:
        dossiers.ratios[f"score.{index}"] = (
            counted.score_totals[index],
            rated,
            _mean_shown(rated, k),
        )
    return dossiers


def _show_dossiers(
    counted: Counted, procedures: set[str], online: set[str], k: int
) -> Shown:
    total = counted.total
    if shown_total(total, k) is None:
        return _hidden(procedures)
    statuses = protect(
        {int(status): counted.statuses[int(status)] for status in DossierStatus}, k
    )
    by_procedure = protect({code: counted.procedures[code] for code in procedures}, k)
    finished = sum_of(statuses, FINISHED)
    ended = counted.ended
    on_time = (
        protect({"on_time": counted.on_time, "late": ended - counted.on_time}, k)[
            "on_time"
        ]
        if finished is not None
        else None
    )
    fully_online = sum_of(by_procedure, procedures & online)
    reused = _split(counted.reused, total, k)
    ratios: dict[str, tuple[float, int, bool]] = {
        "on_time_rate": (counted.on_time, ended, on_time is not None),
        "average_processing_working_days": (
            counted.processing_days,
            ended,
            finished is not None and _mean_shown(ended, k),
        ),
        "reused_digitised_data_share": (counted.reused, total, reused is not None),
        "fully_online_share": (fully_online or 0, total, fully_online is not None),
    }
    return Shown(
        counts={
            "dossiers": total,
            **{f"by_status.{status}": value for status, value in statuses.items()},
            **{f"by_procedure.{code}": value for code, value in by_procedure.items()},
            "finished": finished,
            "on_time": on_time,
            "overdue_open": _split(counted.late_open, total, k),
        },
        ratios=ratios,
    )
