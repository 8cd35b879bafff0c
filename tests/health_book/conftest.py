from __future__ import annotations

import pytest

from tests.consent.helpers import Parties


@pytest.fixture
def parties(citizen, organisation, auth_headers) -> Parties:
    return Parties(citizen, organisation, auth_headers)
