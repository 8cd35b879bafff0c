"""Readiness runs a real query; liveness touches nothing."""

from __future__ import annotations

import pytest

from tests.conftest import make_app
from tests.problems import assert_problem


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.real_sessions
@pytest.mark.parametrize(
    "unreachable",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/nothing",
        "sqlite:////nonexistent-directory/congdan.db",
    ],
)
def test_healthz_is_503_problem_when_database_is_unreachable(unreachable, caplog):
    broken = make_app(unreachable).test_client()
    response = broken.get("/healthz", headers={"Accept-Language": "en"})
    body = assert_problem(response, 503, "database-unavailable")
    assert body["title"] == "Database unavailable"
    assert response.headers["Retry-After"] == "5"
    assert "readiness check failed" in caplog.text


def test_livez_answers_without_the_database(client):
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.data == b"ok\n"
