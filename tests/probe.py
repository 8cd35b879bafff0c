"""A test-only blueprint that exercises the shared request machinery.

The foundation has no public creating POST yet, so these routes stand in for one:
they parse a real schema (the register's), call the real service, and commit like a
route of any domain. They are registered only on the probe application.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.views import MethodView

from app.auth import auth_required, step_up_required
from app.blueprint import Blueprint
from app.extensions import db
from app.idempotency import idempotent
from identity import services
from identity.models import Citizen
from identity.schemas import CitizenRegistrationSchema, CitizenSchema

blp = Blueprint("probe", __name__, url_prefix="/_probe")


@blp.route("/citizens")
class ProbeCitizens(MethodView):
    @idempotent
    @auth_required
    @blp.arguments(CitizenRegistrationSchema)
    @blp.response(201, CitizenSchema)
    def post(self, data: dict[str, Any]) -> Citizen:
        """Register a citizen (test only)."""
        citizen = services.register_citizen(CitizenRegistrationSchema().dump(data))
        db.session.commit()
        return citizen


@blp.route("/citizens-then-fail")
class ProbeCitizensThenFail(MethodView):
    @idempotent
    @auth_required
    @blp.arguments(CitizenRegistrationSchema)
    @blp.response(201, CitizenSchema)
    def post(self, data: dict[str, Any]) -> Citizen:
        """Register a citizen, then fail before committing (test only)."""
        services.register_citizen(CitizenRegistrationSchema().dump(data))
        raise RuntimeError("simulated failure after a write")


@blp.route("/sensitive")
class ProbeSensitive(MethodView):
    @step_up_required
    @blp.response(200)
    def post(self) -> dict[str, str]:
        """Do something that needs a recent level-2 login (test only)."""
        return {"done": "yes"}


def install(app: Flask) -> None:
    """Register the probe routes on ``app``."""
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    api.register_blueprint(blp)
