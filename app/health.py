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
        """Check that the service can query its database."""
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
    return Response("ok\n", mimetype="text/plain")
