from __future__ import annotations

import pytest

from tests.school_records.helpers import School


@pytest.fixture
def school(citizen, organisation, auth_headers) -> School:
    return School(citizen, organisation, auth_headers)
