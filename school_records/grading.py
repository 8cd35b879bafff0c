"""The grading rules of Circular 22/2021/TT-BGDĐT (secondary, grades 6–12), as code.

A pure module: no database, no Flask. Scores are ``Decimal`` on the 10-point scale
with one decimal place, and every result is rounded *half up on the decimal value*
(7.875 → 7.9, 7.85 → 7.9, 7.849 → 7.8) — never through binary floating point,
where 7.85 is 7.8499999….

* Semester average of a scored subject (ĐTBmhk) =
  (sum of regular scores + 2 × mid-term + 3 × final) / (number of regular scores + 5).
* Year average (ĐTBmcn) = (semester 1 average + 2 × semester 2 average) / 3.
* The number of regular scores per semester follows the subject's periods a year:
  2 up to 35 periods, 3 up to 70, 4 above.
* Learning result (Art. 9.2): Tốt / Khá / Đạt / Chưa đạt, from the scored averages
  and the comment-only subjects (Đạt / Chưa đạt); the year's comment result of a
  subject is its semester-2 result.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Context, Decimal

ONE_DECIMAL = Decimal("0.1")
_EXACT = Context(prec=28)


class Level(enum.StrEnum):
    """Learning and conduct results of Circular 22 (Art. 8, 9)."""

    TOT = "Tốt"
    KHA = "Khá"
    DAT = "Đạt"
    CHUA_DAT = "Chưa đạt"


class Comment(enum.StrEnum):
    """The result of a comment-only subject."""

    DAT = "Đạt"
    CHUA_DAT = "Chưa đạt"


def round_score(value: Decimal) -> Decimal:
    """Round to one decimal, half up on the decimal value."""
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def regular_score_count(periods_per_year: int) -> int:
    """How many regular assessments a subject needs per semester."""
    if periods_per_year <= 35:
        return 2
    if periods_per_year <= 70:
        return 3
    return 4


def semester_average(
    regular: Sequence[Decimal], midterm: Decimal, final: Decimal
) -> Decimal:
    """ĐTBmhk = (Σ regular + 2·mid-term + 3·final) / (n regular + 5), rounded."""
    total = _EXACT.add(sum(regular, Decimal(0)), _EXACT.add(2 * midterm, 3 * final))
    return round_score(_EXACT.divide(total, Decimal(len(regular) + 5)))


def year_average(semester1: Decimal, semester2: Decimal) -> Decimal:
    """ĐTBmcn = (ĐTBmhk I + 2·ĐTBmhk II) / 3, rounded."""
    return round_score(_EXACT.divide(semester1 + 2 * semester2, Decimal(3)))


def learning_result(averages: Sequence[Decimal], comments: Sequence[Comment]) -> Level:
    """Classify one period (a semester or the year) by Article 9.2."""
    all_comments_pass = all(c == Comment.DAT for c in comments)
    failed_comments = sum(1 for c in comments if c == Comment.CHUA_DAT)
    if (
        all_comments_pass
        and all(a >= Decimal("6.5") for a in averages)
        and sum(a >= 8 for a in averages) >= 6
    ):
        return Level.TOT
    if (
        all_comments_pass
        and all(a >= 5 for a in averages)
        and sum(a >= Decimal("6.5") for a in averages) >= 6
    ):
        return Level.KHA
    if (
        failed_comments <= 1
        and sum(a >= 5 for a in averages) >= 6
        and all(a >= Decimal("3.5") for a in averages)
    ):
        return Level.DAT
    return Level.CHUA_DAT
