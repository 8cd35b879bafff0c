"""Whether a Circular 22 transcript says what its scores give.

Every stated average and result is recomputed from the raw scores (``grading``),
and the promotion and award checked against the year's results; any contradiction
is reported by field path, as the API's 422 and as the verifier's
``GRADES_INCONSISTENT``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Final

from school_records import grading
from school_records.grading import Comment, Level

#: Beyond this many days absent in a year a pupil is not promoted.
MAX_ABSENT_DAYS: Final = 45


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise ValueError(f"not a number: {value!r}") from error


def consistency_errors(content: dict[str, Any], grade: int) -> dict[str, list[str]]:
    """Every stated average or result of a Circular 22 transcript that the scores contradict.

    Works on loaded content or on a credential's subject alike (numbers or strings).
    Primary transcripts (no formulas) are always consistent.
    """
    if grade <= 5:
        return {}
    errors: dict[str, list[str]] = {}
    year_scores: list[Decimal] = []
    year_comments: list[Comment] = []
    by_semester: dict[str, tuple[list[Decimal], list[Comment]]] = {
        "semester1": ([], []),
        "semester2": ([], []),
    }
    for index, subject in enumerate(content.get("subjects", [])):
        where = f"subjects.{index}"
        if subject.get("assessment") == "scored":
            averages, year = _check_scored(subject, where, errors)
            for semester, average in averages.items():
                by_semester[semester][0].append(average)
            year_scores.append(year)
        else:
            _check_commented(subject, where, errors)
            for semester in ("semester1", "semester2"):
                by_semester[semester][1].append(Comment(subject[semester]["result"]))
            year_comments.append(Comment(subject["semester2"]["result"]))
    stated = content.get("learning_result", {})
    computed_levels = {
        "semester1": grading.learning_result(*by_semester["semester1"]),
        "semester2": grading.learning_result(*by_semester["semester2"]),
        "year": grading.learning_result(year_scores, year_comments),
    }
    for period, level in computed_levels.items():
        if stated.get(period) != level.value:
            errors[f"learning_result.{period}"] = [f"The averages give {level.value}."]
    errors.update(_promotion_errors(content, computed_levels["year"]))
    errors.update(_award_errors(content, computed_levels["year"], year_scores))
    return errors


def _check_scored(
    subject: dict[str, Any], where: str, errors: dict[str, list[str]]
) -> tuple[dict[str, Decimal], Decimal]:
    """Add to ``errors`` what the scores of a scored subject contradict; return the
    semester averages and the year average they give."""
    averages = {}
    for semester in ("semester1", "semester2"):
        part = subject[semester]
        regular = [_decimal(s) for s in part["regular"]]
        needed = grading.regular_score_count(int(subject["periods_per_year"]))
        if len(regular) != needed:
            errors[f"{where}.{semester}.regular"] = [
                f"A subject of {subject['periods_per_year']} periods a year needs {needed} regular scores."
            ]
        computed = grading.semester_average(
            regular, _decimal(part["midterm"]), _decimal(part["final"])
        )
        if _decimal(part["average"]) != computed:
            errors[f"{where}.{semester}.average"] = [f"The scores give {computed}."]
        averages[semester] = computed
    year = grading.year_average(averages["semester1"], averages["semester2"])
    if _decimal(subject["year_average"]) != year:
        errors[f"{where}.year_average"] = [f"The semester averages give {year}."]
    return averages, year


def _check_commented(
    subject: dict[str, Any], where: str, errors: dict[str, list[str]]
) -> None:
    """Add to ``errors`` a comment-only subject's year result if it is not its
    semester 2 result."""
    if subject.get("year_result") != subject["semester2"]["result"]:
        errors[f"{where}.year_result"] = [
            "The year result of a comment-only subject is its semester 2 result."
        ]


def _promotion_errors(content: dict[str, Any], learning: Level) -> dict[str, list[str]]:
    conduct = content.get("conduct", {}).get("year")
    absences = content.get("absences", {})
    absent = int(absences.get("excused", 0)) + int(absences.get("unexcused", 0))
    passes = (
        conduct != Level.CHUA_DAT.value
        and learning != Level.CHUA_DAT
        and absent <= MAX_ABSENT_DAYS
    )
    promotion = content.get("promotion")
    consistent = {
        "lên lớp": passes,
        "rèn luyện hè": conduct == Level.CHUA_DAT.value,
        "kiểm tra lại": learning == Level.CHUA_DAT and conduct != Level.CHUA_DAT.value,
        "ở lại lớp": not passes,
    }.get(str(promotion), True)
    return (
        {}
        if consistent
        else {
            "promotion": [
                "The year's conduct, learning result and absences contradict this decision."
            ]
        }
    )


def _award_errors(
    content: dict[str, Any], learning: Level, year_scores: list[Decimal]
) -> dict[str, list[str]]:
    award = content.get("award")
    conduct = content.get("conduct", {}).get("year")
    both_tot = learning == Level.TOT and conduct == Level.TOT.value
    if award == "Học sinh Xuất sắc" and not (
        both_tot and sum(s >= 9 for s in year_scores) >= 6
    ):
        return {
            "award": [
                "Học sinh Xuất sắc needs Tốt learning and conduct and 6 subjects at 9.0 or more."
            ]
        }
    if award == "Học sinh Giỏi" and not both_tot:
        return {"award": ["Học sinh Giỏi needs Tốt learning and conduct."]}
    return {}
