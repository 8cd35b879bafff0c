"""Liveness and readiness probes, for load balancers and for ``make bench``."""

from __future__ import annotations

import logging

import marshmallow as ma
import sqlalchemy as sa
from flask import Response
from flask.views import MethodView
from sqlalchemy.exc import SQLAlchemyError

from app.blueprint import Blueprint
from app.errors import DatabaseUnavailable
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
