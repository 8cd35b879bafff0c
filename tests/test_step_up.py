"""Step-up (RFC 9470): sensitive actions need a recent level-2 login."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.db import utcnow
from tests.demo_ids import AN
from tests.problems import assert_problem


def test_recent_level_two_login_passes(probe, citizen, auth_headers):
    headers = auth_headers(citizen(AN), acr="urn:vneid:loa:2", auth_time=utcnow())
    response = probe.post("/_probe/sensitive", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"done": "yes"}


@pytest.mark.parametrize(
    ("acr", "age"),
    [
        ("urn:vneid:loa:1", timedelta(seconds=10)),
        ("urn:vneid:loa:2", timedelta(minutes=6)),
    ],
)
def test_weak_or_old_login_gets_the_step_up_challenge(
    probe, citizen, auth_headers, acr, age
):
    headers = auth_headers(citizen(AN), acr=acr, auth_time=utcnow() - age)
    response = probe.post("/_probe/sensitive", headers=headers)
    body = assert_problem(response, 401, "insufficient-user-authentication")
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("DPoP ")
    assert 'error="insufficient_user_authentication"' in challenge
    assert 'acr_values="urn:vneid:loa:2"' in challenge
    assert "max_age=300" in challenge
    assert body["acr_values"] == "urn:vneid:loa:2"
    assert body["max_age"] == 300


def test_step_up_needs_a_token_first(probe):
    assert_problem(probe.post("/_probe/sensitive"), 401, "unauthorized")
