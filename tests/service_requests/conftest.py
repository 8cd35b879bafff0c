from __future__ import annotations

import pytest

from tests.service_requests.helpers import Shop


@pytest.fixture
def shop(client, citizen, organisation, auth_headers) -> Shop:
    return Shop(client, citizen, organisation, auth_headers)
