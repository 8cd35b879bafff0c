"""Of the refusals of several categories read together (a health book summary),
the answer names the one that says most: a category granted but not for this
beats a category never granted, and between two of a kind the first stays
(found by mutation testing: the rule's two halves could be swapped or dropped)."""

from __future__ import annotations

import pytest

from consent.policies import ConsentRequired, more_telling


def refusal(reason: str, category: str) -> ConsentRequired:
    return ConsentRequired(extra={"reason": reason, "category": category})


def test_the_first_refusal_is_kept_when_there_is_none_before():
    only = refusal("no-artefact", "allergies")
    assert more_telling(None, only) is only


@pytest.mark.parametrize(
    ("first", "second", "kept"),
    [
        # Granted but not for this (view only) says more than never granted.
        (("no-artefact", "allergies"), ("view-only", "conditions"), "conditions"),
        (("view-only", "conditions"), ("no-artefact", "allergies"), "conditions"),
        (
            ("category-not-granted", "allergies"),
            ("period-outside", "immunizations"),
            "immunizations",
        ),
        # Two of a kind: the first stays.
        (
            ("no-artefact", "allergies"),
            ("category-not-granted", "conditions"),
            "allergies",
        ),
        (("view-only", "allergies"), ("period-outside", "conditions"), "allergies"),
    ],
)
def test_the_most_telling_refusal_is_answered(first, second, kept):
    answer = more_telling(refusal(*first), refusal(*second))
    assert answer.extra["category"] == kept
