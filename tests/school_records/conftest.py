from __future__ import annotations

import pytest

from tests.school_records.helpers import BINH, DUNG, SCHOOL, School, enrol


@pytest.fixture
def school(citizen, organisation, auth_headers) -> School:
    return School(citizen, organisation, auth_headers)


@pytest.fixture
def binh_in_7a1(citizen, organisation):
    """This year Bình is in grade 7, class 7A1, Dũng her homeroom teacher: the
    drafts of these tests (``draft_body``) are for her 2026-2027 transcript."""
    return enrol(citizen(BINH), organisation(SCHOOL).id, citizen(DUNG))
