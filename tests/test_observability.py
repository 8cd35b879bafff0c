"""What operators see: JSON logs without personal data, metrics behind a token,
and a readiness probe that asks every dependency."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from app import queue
from app.logs import formatter
from tests.conftest import REDIS_TEST_URL
from tests.consent.helpers import Parties, grant
from tests.demo_ids import AN, BINH
from tests.problems import assert_problem


@pytest.fixture
def log_lines(app: Flask) -> Iterator[list[dict[str, Any]]]:
    """The JSON lines the application's handler writes, parsed, during the test."""
    lines: list[dict[str, Any]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(self.format(record)))

    from app.request_id import RequestIdFilter

    handler = Collect()
    handler.setFormatter(formatter("json"))
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger(name) for name in ("app", *app.config["DOMAINS"])]
    for logger in loggers:
        logger.addHandler(handler)
    yield lines
    for logger in loggers:
        logger.removeHandler(handler)


def test_each_request_is_one_json_line_with_its_route_template_not_its_path(
    client, citizen, auth_headers, log_lines
) -> None:
    an = citizen(AN)
    answer = client.get(
        f"/api/v1/citizens/{an.id}?fields=x",
        headers={**auth_headers(an), "X-Request-ID": "trace-12345678"},
    )
    [line] = [line for line in log_lines if line["event"] == "request"]
    assert line["route"] == "/api/v1/citizens/<uuid:citizen_id>"
    assert line["method"] == "GET"
    assert line["status"] == answer.status_code
    assert line["actor"] == "citizen"
    assert line["latency_ms"] >= 0
    assert line["trace_id"] == "trace-12345678"
    assert len(line["request_id"]) == 32
    assert line["request_id"] != "-"
    assert str(an.id) not in json.dumps(line)


def test_a_field_that_names_personal_data_never_reaches_a_line(app, log_lines) -> None:
    with app.test_request_context():
        logging.getLogger("app.test").info(
            "looked up", extra={"national_id": AN, "phone": "0912345678", "count": 3}
        )
    [line] = log_lines
    assert line["national_id"] == "[removed]"
    assert line["phone"] == "[removed]"
    assert line["count"] == 3
    assert AN not in json.dumps(line)


def test_staff_are_logged_as_staff(client, parties_headers, log_lines) -> None:
    client.get("/api/v1/notifications", headers=parties_headers.clinic())
    assert [line["actor"] for line in log_lines if line["event"] == "request"] == [
        "staff"
    ]


@pytest.fixture
def parties_headers(citizen, organisation, auth_headers) -> Parties:
    return Parties(citizen, organisation, auth_headers)


# --- /metrics ----------------------------------------------------------------------


@pytest.fixture
def scraper(app: Flask, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scraper-token-for-tests")
    return {"Authorization": "Bearer scraper-token-for-tests"}


def scrape(
    client, headers: dict[str, str]
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.get_data(as_text=True))
        for sample in family.samples
    }


def test_metrics_are_not_public(client, scraper) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "scraper-token-for-tests"},
    ):
        answer = client.get("/metrics", headers=headers)
        assert_problem(answer, 401, "unauthorized")
        assert answer.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_requests_are_counted_by_route_template_and_timed(client, scraper) -> None:
    key = (
        "congdan_http_requests_total",
        (("method", "GET"), ("route", "/livez"), ("status", "200")),
    )
    timed = (
        "congdan_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/livez")),
    )
    before = scrape(client, scraper)
    for _ in range(3):
        client.get("/livez")
    after = scrape(client, scraper)
    assert after[key] - before.get(key, 0) == 3
    assert after[timed] - before.get(timed, 0) == 3
    assert ("congdan_jobs_waiting", ()) in after
    assert ("congdan_jobs_oldest_waiting_seconds", ()) in after
    assert ("congdan_db_pool_connections_in_use", ()) in after


def test_unknown_paths_and_methods_are_counted_under_one_label_each(
    client, scraper
) -> None:
    unmatched = (
        "congdan_http_requests_total",
        (("method", "GET"), ("route", "<unmatched>"), ("status", "404")),
    )
    other = (
        "congdan_http_requests_total",
        (("method", "OTHER"), ("route", "<unmatched>"), ("status", "405")),
    )
    before = scrape(client, scraper)
    for number in range(3):
        client.get(f"/api/v1/no-such-{number}/074095000101")
    client.open("/livez", method="BREW")
    after = scrape(client, scraper)
    assert after[unmatched] - before.get(unmatched, 0) == 3
    assert after[other] - before.get(other, 0) == 1
    assert not any("074095000101" in str(labels) for _, labels in after)


def test_consent_decisions_are_counted_by_effect(
    client, scraper, parties_headers
) -> None:
    binh = parties_headers.citizen(BINH)
    permit = (
        "congdan_consent_decisions_total",
        (("basis", "artefact"), ("effect", "permit")),
    )
    deny = ("congdan_consent_decisions_total", (("basis", "none"), ("effect", "deny")))
    before = scrape(client, scraper)
    refused = client.get(
        f"/api/v1/citizens/{binh.id}/health-book/immunizations",
        headers=parties_headers.clinic(),
    )
    assert refused.status_code == 403
    grant(client, parties_headers, str(binh.id), categories=["immunizations"])
    read = client.get(
        f"/api/v1/citizens/{binh.id}/health-book/immunizations",
        headers=parties_headers.clinic(),
    )
    assert read.status_code == 200, read.get_json()
    after = scrape(client, scraper)
    assert after[deny] - before.get(deny, 0) == 1
    assert after[permit] - before.get(permit, 0) == 1


# --- /readyz -----------------------------------------------------------------------


def test_ready_when_the_database_answers_and_jobs_run_in_process(client) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not-configured", "worker": "embedded"},
    }


def test_degraded_while_no_worker_beats_then_ready(
    app: Flask, client, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis_queue = queue.DramatiqQueue(app, REDIS_TEST_URL, redis_prefix.rstrip(":"))
    monkeypatch.setitem(app.extensions, "congdan.queue", redis_queue)
    monkeypatch.setitem(app.config, "JOBS_BROKER_URL", REDIS_TEST_URL)

    # Still serving (its jobs wait in the outbox): not pulled out of the balancer.
    waiting = client.get("/readyz")
    assert waiting.status_code == 200
    assert waiting.get_json() == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "ok", "worker": "no-heartbeat"},
    }

    redis_queue.heartbeat()
    assert client.get("/readyz").get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "worker": "ok"},
    }


def test_not_ready_when_redis_does_not_answer(
    app: Flask, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:1/0")
    refused = client.get("/readyz")
    body = assert_problem(refused, 503, "not-ready")
    assert refused.headers["Retry-After"] == "5"
    assert body["checks"]["redis"] == "failed"
    assert "127.0.0.1:1" not in json.dumps(body)


def test_livez_and_healthz_stay_as_they_were(client) -> None:
    assert client.get("/livez").status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
