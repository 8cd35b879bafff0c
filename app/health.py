"""Liveness and readiness probes, for load balancers and for ``make bench``."""

from __future__ import annotations

import logging

import marshmallow as ma
import redis
import sqlalchemy as sa
from flask import Response, current_app
from flask.views import MethodView
from sqlalchemy.exc import SQLAlchemyError

from app import metrics, queue
from app.blueprint import Blueprint
from app.config import REDIS_SCHEMES
from app.errors import DatabaseUnavailable, Problem
from app.extensions import db

blp = Blueprint("health", __name__, description="Service health probes")
log = logging.getLogger(__name__)


class HealthSchema(ma.Schema):
    """The service and its database are answering."""

    status = ma.fields.String(metadata={"example": "ok"})
    database = ma.fields.String(metadata={"example": "ok"})


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self) -> dict[str, str]:
        """Check that the service can query its database.

        Public readiness probe for load balancers. Runs ``SELECT 1`` and answers
        ``{"status": "ok", "database": "ok"}``; when the query fails, 503
        ``database-unavailable`` (a problem) with ``Retry-After: 5``, and the
        failure is logged by its exception class only. ``/livez`` is the probe
        that does not touch the database.
        """
        try:
            db.session.execute(sa.text("SELECT 1")).scalar_one()
        except SQLAlchemyError as exc:
            log.error("readiness check failed: %s", exc.__class__.__name__)
            raise DatabaseUnavailable(headers={"Retry-After": "5"}) from exc
        return {"status": "ok", "database": "ok"}


class NotReady(Problem):
    """A dependency the service needs does not answer (``checks`` says which)."""

    code, slug = 503, "not-ready"


class ReadinessSchema(ma.Schema):
    """What each dependency answered."""

    status = ma.fields.String(
        metadata={
            "description": "`ok` when all are; `degraded` when only the job "
            "worker is silent (jobs wait in the outbox meanwhile)."
        }
    )
    checks = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={
            "description": "Per dependency: `ok`, `failed`, `not-configured` "
            "(Redis), `embedded` (jobs run in the serving process) or `no-heartbeat` "
            "(no worker beat in the last 30 s)."
        },
    )


def _redis_urls() -> set[str]:
    config = current_app.config
    urls = {
        config.get("RATELIMIT_STORAGE_URI", ""),
        config.get("THROTTLE_STORAGE_URI", ""),
        config.get("JOBS_BROKER_URL", ""),
    }
    return {url for url in urls if url.startswith(REDIS_SCHEMES)}


def _redis_client(url: str) -> redis.Redis:
    """One client (and pool) per URL for the probes, not a connection per probe."""
    clients: dict[str, redis.Redis] = current_app.extensions.setdefault(
        "congdan.readiness_redis", {}
    )
    if url not in clients:
        clients[url] = redis.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2
        )
    return clients[url]


def readiness() -> dict[str, str]:
    """Ask the database, every Redis the service uses, and the job queue's worker."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(sa.text("SELECT 1")).scalar_one()
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        log.error("readiness: database failed", extra={"error": type(exc).__name__})
        checks["database"] = "failed"
    urls = _redis_urls()
    checks["redis"] = "ok" if urls else "not-configured"
    for url in urls:
        try:
            _redis_client(url).ping()
        except redis.RedisError as exc:
            log.error("readiness: redis failed", extra={"error": type(exc).__name__})
            checks["redis"] = "failed"
    alive = (
        queue.queue_of(current_app).worker_alive()
        if checks["redis"] != "failed"
        else False
    )
    checks["worker"] = (
        "embedded" if alive is None else "ok" if alive else "no-heartbeat"
    )
    return checks


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, ReadinessSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self) -> dict[str, object]:
        """Tell whether this instance can serve: its database, Redis and worker.

        For the load balancer: 200 when the database and every Redis the service
        is configured with answer, else 503 ``not-ready`` with the same ``checks``
        and ``Retry-After: 5``. The job worker's heartbeat (with a broker: a beat
        within 30 s) is checked too, but a silent worker makes the answer
        ``"status": "degraded"``, still 200: every instance would otherwise leave
        the load balancer at once, though each can serve without it (its jobs
        wait in the outbox). No check says more than its outcome. ``/livez``
        touches nothing.
        """
        checks = readiness()
        if "failed" in checks.values():
            raise NotReady(headers={"Retry-After": "5"}, extra={"checks": checks})
        status = "degraded" if checks["worker"] == "no-heartbeat" else "ok"
        return {"status": status, "checks": checks}


@blp.route("/metrics")
@blp.doc(
    summary="Read the service's Prometheus metrics (the operators' scraper only).",
    security=[{"metricsToken": []}],
    responses={
        200: {
            "description": "Prometheus' text exposition format",
            "content": {
                "text/plain": {
                    "schema": {"type": "string"},
                    # Too long to record from a test: its first lines.
                    "example": "# HELP congdan_http_requests_total Requests "
                    "answered, by route template, method and status.\n"
                    "# TYPE congdan_http_requests_total counter\n"
                    'congdan_http_requests_total{method="GET",'
                    'route="/livez",status="200"} 3.0\n',
                }
            },
        },
        401: {"$ref": "#/components/responses/UNAUTHORIZED"},
    },
)
def metrics_endpoint() -> Response:
    """Read the service's Prometheus metrics (the operators' scraper only).

    Requests by route template, method and status with their latency, the
    database pool, the job queue's depth and age and its dead letters,
    notification deliveries by channel and outcome, consent decisions by effect;
    added up over every gunicorn worker. ``Authorization: Bearer <METRICS_TOKEN>``
    (generated into ``instance/metrics_token`` when not set); anyone else gets 401.
    """
    return metrics.metrics_view()


@blp.route("/livez")
@blp.doc(
    summary="Tell that the process answers (touches nothing; the benchmark floor).",
    responses={200: {"description": "The process is up"}},
)
def livez() -> Response:
    """Tell that the process answers (touches nothing; the benchmark floor).

    Public liveness probe: answers ``ok`` as ``text/plain`` without touching the
    database or any other service, so it stays 200 while ``/healthz`` says 503.
    ``make bench`` uses it as the framework floor: the cost of a request that does
    nothing.
    """
    return Response("ok\n", mimetype="text/plain")
