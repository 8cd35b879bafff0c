"""The Circular 22 formulas and levels, with their rounding and boundary cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from school_records import grading
from school_records.grading import Comment, Level


def scores(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]


def test_worked_example_of_the_reference():
    s1 = grading.semester_average(scores("8", "7.5", "9"), Decimal("8"), Decimal("7.5"))
    assert s1 == Decimal("7.9")  # 63 / 8 = 7.875
    s2 = grading.semester_average(scores("9", "8", "8.5"), Decimal("8.5"), Decimal("9"))
    assert s2 == Decimal("8.7")  # 69.5 / 8 = 8.6875
    assert grading.year_average(Decimal("7.9"), Decimal("8.7")) == Decimal(
        "8.4"
    )  # 25.3 / 3 = 8.433…


def test_exact_half_rounds_up_not_to_even_nor_through_floats():
    # (8 + 7.5 + 8.8 + 2·8 + 3·7.5) / 8 = 62.8 / 8 = 7.85 exactly.
    assert grading.semester_average(
        scores("8", "7.5", "8.8"), Decimal("8"), Decimal("7.5")
    ) == Decimal("7.9")
    assert round(7.85, 1) == 7.8  # what binary floating point would have said
    assert grading.round_score(Decimal("6.45")) == Decimal("6.5")
    assert grading.round_score(Decimal("6.449")) == Decimal("6.4")


def test_year_average_rounds_the_repeating_decimal():
    assert grading.year_average(Decimal("7.1"), Decimal("8.2")) == Decimal(
        "7.8"
    )  # 23.5 / 3 = 7.833…
    assert grading.year_average(Decimal("7.2"), Decimal("8.2")) == Decimal(
        "7.9"
    )  # 23.6 / 3 = 7.866…


@pytest.mark.parametrize(
    ("periods", "count"), [(35, 2), (36, 3), (70, 3), (71, 4), (140, 4)]
)
def test_regular_scores_follow_the_subject_load(periods, count):
    assert grading.regular_score_count(periods) == count


PASS4 = [Comment.DAT] * 4


def level(*averages: str, comments=PASS4) -> Level:
    return grading.learning_result(scores(*averages), comments)


def test_tot_needs_six_at_eight_and_none_below_six_point_five():
    assert level("8.0", "8.0", "8.0", "8.0", "8.0", "8.0", "6.5", "6.5") == Level.TOT
    assert level("8.0", "8.0", "8.0", "8.0", "8.0", "7.9", "6.5", "6.5") == Level.KHA
    assert level("8.0", "8.0", "8.0", "8.0", "8.0", "8.0", "6.5", "6.4") == Level.KHA


def test_a_failed_comment_subject_caps_the_result_at_dat():
    failed_one = [Comment.DAT, Comment.DAT, Comment.DAT, Comment.CHUA_DAT]
    assert (
        level("9", "9", "9", "9", "9", "9", "9", "9", comments=failed_one) == Level.DAT
    )
    failed_two = [Comment.DAT, Comment.DAT, Comment.CHUA_DAT, Comment.CHUA_DAT]
    assert (
        level("9", "9", "9", "9", "9", "9", "9", "9", comments=failed_two)
        == Level.CHUA_DAT
    )


def test_kha_needs_six_at_six_point_five_and_none_below_five():
    assert level("6.5", "6.5", "6.5", "6.5", "6.5", "6.5", "5.0", "5.0") == Level.KHA
    assert level("6.5", "6.5", "6.5", "6.5", "6.5", "6.4", "5.0", "5.0") == Level.DAT
    assert level("6.5", "6.5", "6.5", "6.5", "6.5", "6.5", "5.0", "4.9") == Level.DAT


def test_dat_fails_on_a_subject_at_three_point_four():
    assert level("5", "5", "5", "5", "5", "5", "3.5", "4") == Level.DAT
    assert level("5", "5", "5", "5", "5", "5", "3.4", "4") == Level.CHUA_DAT
    assert level("5", "5", "5", "5", "5", "4.9", "3.5", "4") == Level.CHUA_DAT
