"""Property: whatever a citizen sends, an accepted approval is never wider."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.db import utcnow
from app.errors import ValidationFailed
from consent.answers import Scope, narrow
from consent.vocabulary import Category

CATEGORIES = [c.value for c in Category]
DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def scopes(draw):
    start = draw(DAYS)
    end = draw(st.dates(min_value=start, max_value=date(2030, 12, 31)))
    return Scope(
        categories=frozenset(draw(st.sets(st.sampled_from(CATEGORIES), min_size=1))),
        data_from=start,
        data_to=end,
        valid_until=utcnow()
        + timedelta(days=draw(st.integers(min_value=1, max_value=365))),
    )


@st.composite
def changes(draw):
    change = {}
    if draw(st.booleans()):
        change["categories"] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=5))
    if draw(st.booleans()):
        change["data_from"] = draw(DAYS)
    if draw(st.booleans()):
        change["data_to"] = draw(DAYS)
    if draw(st.booleans()):
        change["valid_until"] = utcnow() + timedelta(
            days=draw(st.integers(min_value=-5, max_value=400))
        )
    return change


@settings(max_examples=300, deadline=None)
@given(requested=scopes(), change=changes())
def test_an_accepted_narrowing_never_widens(app, requested, change):
    try:
        granted = narrow(requested, change)
    except ValidationFailed as refused:
        errors = refused.errors
    else:
        errors = None
    if errors is not None:
        assert set(errors) <= {"categories", "data_from", "data_to", "valid_until"}
        assert errors  # a refusal always names the field
        return
    assert granted.categories
    assert granted.categories <= requested.categories
    assert (
        requested.data_from <= granted.data_from <= granted.data_to <= requested.data_to
    )
    assert granted.valid_until <= requested.valid_until


@pytest.mark.parametrize("field", ["data_from", "data_to"])
def test_an_inverted_period_is_refused(app, field):
    requested = Scope(
        frozenset({"allergies"}),
        date(2020, 1, 1),
        date(2020, 12, 31),
        utcnow() + timedelta(days=1),
    )
    change = {"data_from": date(2020, 6, 1), "data_to": date(2020, 5, 1)}
    with pytest.raises(ValidationFailed) as refused:
        narrow(requested, change)
    assert "data_to" in refused.value.errors
