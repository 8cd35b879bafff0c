from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests import factories
from tests.conftest import Clock
from tests.demo_ids import BINH, DUNG, EM, SCHOOL
from tests.school_records.helpers import School


@pytest.fixture
def school(citizen, organisation, auth_headers) -> School:
    return School(citizen, organisation, auth_headers)


@pytest.fixture
def binh_in_7a1(citizen, organisation):
    """This year Bình is in grade 7, class 7A1, Dũng her homeroom teacher: the
    drafts of these tests (``draft_body``) are for her 2026-2027 transcript."""
    return factories.enrolment(
        citizen(BINH),
        organisation(SCHOOL),
        homeroom=citizen(DUNG),
        principal=citizen(EM),
        school_year="2026-2027",
    )


#: Her 2026-2027 year is over: results are settled and signed (09:00 in Vietnam).
END_OF_YEAR = datetime(2027, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def year_over(clock: Clock) -> Clock:
    """The application's clock at the end of Bình's 2026-2027 year, when the
    homeroom teacher and the principal sign its transcripts."""
    clock.at(END_OF_YEAR)
    return clock
