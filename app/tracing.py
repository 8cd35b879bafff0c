"""Optional OpenTelemetry traces: requests (Flask), their SQL (SQLAlchemy) and the
background jobs they cause, exported over OTLP/HTTP when
``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (nothing is loaded otherwise).

A job continues the trace of the request that enqueued it: the outbox row keeps
the request's W3C ``traceparent`` and the job's span is its child, so a push sent
a minute later is found under the consent request that caused it. Spans name
routes by their template, and the URL attributes the instrumentation would record
(paths, query strings, the client's address and browser) are replaced by the
template, as in the logs: a trace carries no one's national id.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, has_request_context, request

from app.extensions import db

_PROVIDER = "congdan.tracer_provider"
#: Attributes the Flask/WSGI instrumentation records that may hold personal data.
_URL_ATTRIBUTES = ("http.target", "http.url", "url.path", "url.full")
_DROPPED = (
    "url.query",
    "http.client_ip",
    "client.address",
    "net.peer.ip",
    "http.user_agent",
    "user_agent.original",
)


def _scrub(span: Any, _environ: dict[str, Any]) -> None:
    route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    # An unmatched request's span is named by its path: name it by what matched.
    span.update_name(f"{request.method} {route}")
    for name in _URL_ATTRIBUTES:
        span.set_attribute(name, route)
    for name in _DROPPED:
        span.set_attribute(name, "")


def _scrub_again(span: Any, _status: str, _headers: Any) -> None:
    """Some attributes are set after the request hook: scrub them at the answer."""
    if span.is_recording() and has_request_context():
        _scrub(span, {})


def init_tracing(app: Flask) -> None:
    """Trace requests, SQL and jobs, if an exporter is configured."""
    endpoint = app.config.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    exporter = app.config.get("TRACING_SPAN_EXPORTER")  # tests: an in-memory one
    if not endpoint and exporter is None:
        return
    from opentelemetry.instrumentation.flask import FlaskInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(
        resource=Resource.create({"service.name": app.config["OTEL_SERVICE_NAME"]})
    )
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter,
        )

        provider.add_span_processor(
            BatchSpanProcessor(
                OTLPSpanExporter(endpoint=f"{str(endpoint).rstrip('/')}/v1/traces")
            )
        )
    FlaskInstrumentor().instrument_app(  # type: ignore[no-untyped-call]
        app,
        tracer_provider=provider,
        request_hook=_scrub,
        response_hook=_scrub_again,
        enable_commenter=False,
    )
    with app.app_context():
        # Its declared range stops before SQLAlchemy 2.1, whose engine events it
        # uses are unchanged; tests/test_tracing.py checks the statements' spans.
        SQLAlchemyInstrumentor().instrument(
            engine=db.engine, tracer_provider=provider, skip_dep_check=True
        )
    app.extensions[_PROVIDER] = provider


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the span in progress, if tracing is on."""
    if _PROVIDER not in current_app.extensions:
        return None
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


@contextlib.contextmanager
def job_span(name: str, traceparent: str | None) -> Iterator[None]:
    """A span for one run of job ``name``, child of the request that enqueued it."""
    provider = current_app.extensions.get(_PROVIDER)
    if provider is None:
        yield
        return
    from opentelemetry import propagate, trace

    parent = propagate.extract({"traceparent": traceparent} if traceparent else {})
    tracer = provider.get_tracer("congdan.jobs")
    with tracer.start_as_current_span(
        f"job {name}", context=parent, kind=trace.SpanKind.CONSUMER
    ) as span:
        span.set_attribute("messaging.system", "congdan-outbox")
        span.set_attribute("messaging.operation", "process")
        yield
