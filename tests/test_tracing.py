"""Optional OpenTelemetry traces: a request's span with its SQL, and the job it
caused as a child of it, with no one's data in the URL attributes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app import jobs, outbox
from app.extensions import db
from app.unit_of_work import transaction
from tests.conftest import make_app
from tests.demo_ids import AN

pytestmark = pytest.mark.real_sessions  # a second application, committing for real


@pytest.fixture
def traced(database_url: str) -> Iterator[tuple[Flask, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    application = make_app(database_url, TRACING_SPAN_EXPORTER=exporter)
    seen: list[dict[str, Any]] = []
    jobs.add_job(application, "test.traced", seen.append)
    try:
        yield application, exporter
    finally:
        SQLAlchemyInstrumentor().uninstrument()
        with application.app_context(), transaction():
            db.session.execute(
                sa.delete(outbox.OutboxMessage).where(
                    outbox.OutboxMessage.job == "test.traced"
                )
            )
        with application.app_context():
            db.engine.dispose()


def test_a_request_is_a_span_with_its_sql_named_by_route_template(traced) -> None:
    application, exporter = traced
    answer = application.test_client().get(f"/api/v1/citizens/{AN}?national_id={AN}")
    assert answer.status_code in (401, 404)
    assert application.test_client().get("/api/v1/organisations").status_code == 200

    spans = exporter.get_finished_spans()
    [listing] = [s for s in spans if s.name == "GET /api/v1/organisations"]
    statements = [
        s
        for s in spans
        if s.parent is not None and s.parent.span_id == listing.context.span_id
    ]
    sql = [str((s.attributes or {}).get("db.statement", "")) for s in statements]
    assert any("FROM organisations" in statement for statement in sql), sql
    exported = json.dumps([[s.name, dict(s.attributes or {})] for s in spans])
    assert AN not in exported
    for span in spans:
        attributes = dict(span.attributes or {})
        assert not attributes.get("net.peer.ip")
        assert not attributes.get("http.user_agent")


def test_a_job_continues_the_trace_of_the_request_that_enqueued_it(traced) -> None:
    application, exporter = traced
    from opentelemetry import trace

    provider = application.extensions["congdan.tracer_provider"]
    tracer = provider.get_tracer("test")
    with (
        application.test_request_context(),
        tracer.start_as_current_span("request") as outer,
        transaction(),
    ):
        jobs.enqueue("test.traced", {"n": 1}, dedupe_key="traced-1")
    [job] = [s for s in exporter.get_finished_spans() if s.name == "job test.traced"]
    assert job.context.trace_id == outer.get_span_context().trace_id
    assert job.parent is not None
    assert job.parent.span_id == outer.get_span_context().span_id
    assert job.kind == trace.SpanKind.CONSUMER


def test_without_an_endpoint_nothing_is_traced(app: Flask) -> None:
    assert "congdan.tracer_provider" not in app.extensions
