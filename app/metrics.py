"""Prometheus metrics at ``/metrics``, for the operators' scraper only.

Counted in every process: requests by route template, method and status, and
their latency; the database pool's connections in use; each domain's own
(deliveries by channel and outcome, consent decisions by effect). Read at each
scrape: the job queue's depth and the age of its oldest message, from the outbox.

Under gunicorn's several workers each process counts on its own, so
prometheus-client's multiprocess mode is used whenever ``PROMETHEUS_MULTIPROC_DIR``
is set (gunicorn.conf.py sets it): the processes write to files there and a
scrape, whichever worker answers it, adds them up.

Not public: a scrape must present ``Authorization: Bearer <METRICS_TOKEN>`` (the
token is generated into ``instance/metrics_token`` at first run when not set);
anyone else gets 401 (``WWW-Authenticate: Bearer realm="metrics"``) and nothing more.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from app import logs, outbox
from app.db import utcnow
from app.errors import Unauthorized
from app.extensions import db

REQUESTS = Counter(
    "congdan_http_requests",
    "Requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "congdan_http_request_duration_seconds",
    "Time to answer a request, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
POOL_IN_USE = Gauge(
    "congdan_db_pool_connections_in_use",
    "Database connections checked out of the pool, over every live process.",
    multiprocess_mode="livesum",
)
POOL_OPEN = Gauge(
    "congdan_db_pool_connections_open",
    "Database connections the pools hold open, over every live process.",
    multiprocess_mode="livesum",
)


_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)


class QueueCollector(Collector):
    """The job queue's depth and age, read from the outbox at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        count, age = outbox.depth(utcnow())
        depth = GaugeMetricFamily(
            "congdan_jobs_waiting", "Background jobs due or queued, not yet run."
        )
        depth.add_metric([], count)
        oldest = GaugeMetricFamily(
            "congdan_jobs_oldest_waiting_seconds",
            "How long the oldest waiting background job has been due.",
        )
        oldest.add_metric([], age)
        dead = GaugeMetricFamily(
            "congdan_jobs_dead", "Background jobs that failed every attempt."
        )
        dead.add_metric([], outbox.count_dead())
        yield from (depth, oldest, dead)


def scrape() -> bytes:
    """Every metric, in Prometheus' text format, added up over the processes."""
    counted: CollectorRegistry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
    read_now = CollectorRegistry()
    read_now.register(QueueCollector())
    return generate_latest(counted) + generate_latest(read_now)


def _count(response: Response) -> Response:
    elapsed = logs.elapsed()
    if elapsed is None:
        return response
    # Labels stay few whatever is sent: a route's template, "<unmatched>" for a
    # path no route has, and the methods HTTP defines.
    route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    if route == "/metrics":
        return response
    method = request.method if request.method in _METHODS else "OTHER"
    REQUESTS.labels(route, method, str(response.status_code)).inc()
    LATENCY.labels(route, method).observe(elapsed)
    return response


def _watch_pool(engine: Engine) -> None:
    pool: Pool = engine.pool

    @event.listens_for(pool, "checkout")
    def _out(*_: Any) -> None:
        POOL_IN_USE.inc()

    @event.listens_for(pool, "checkin")
    def _in(*_: Any) -> None:
        POOL_IN_USE.dec()

    @event.listens_for(pool, "connect")
    def _opened(*_: Any) -> None:
        POOL_OPEN.inc()

    @event.listens_for(pool, "close")
    def _closed(*_: Any) -> None:
        POOL_OPEN.dec()


def metrics_token(app: Flask) -> str:
    """The scraper's token: ``METRICS_TOKEN``, or one generated into the instance
    folder (mode 0600) the first time."""
    configured = app.config.get("METRICS_TOKEN")
    if configured:
        return str(configured)
    path = Path(app.instance_path, "metrics_token")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(32))
        except FileExistsError:  # another worker wrote it first
            pass
    token = path.read_text().strip()
    app.config["METRICS_TOKEN"] = token
    return token


def metrics_view() -> Response:
    """Serve the metrics to whoever presents the token; 401 to anyone else."""
    presented = request.headers.get("Authorization", "")
    expected = f"Bearer {metrics_token(current_app)}"
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        raise Unauthorized(headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    return Response(scrape(), mimetype=CONTENT_TYPE_LATEST)


def init_metrics(app: Flask) -> None:
    """Count every request and the pool (``/metrics`` is served by app.health)."""
    app.after_request(_count)
    with app.app_context():
        _watch_pool(db.engine)
