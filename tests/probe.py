"""A test-only blueprint that exercises the shared request machinery.

The foundation has no public creating POST yet, so these routes stand in for one:
they parse a real schema (the register's), call the real service and end in the
unit of work like a route of any domain. They are registered only on the probe application.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Flask
from flask.views import MethodView

from app import audit, unit_of_work
from app.auth import auth_required, step_up_required
from app.blueprint import Blueprint
from app.errors import Problem
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
        return services.register_citizen(CitizenRegistrationSchema().dump(data))


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


@blp.route("/anonymous/<string:channel>/citizens")
class ProbeAnonymousCitizens(MethodView):
    @idempotent
    @blp.arguments(CitizenRegistrationSchema)
    @blp.response(201, CitizenSchema)
    def post(self, data: dict[str, Any], channel: str) -> Citizen:
        """Register a citizen without a token, like a public form (test only).

        ``channel`` (any word) is a path argument, as a public route may have.
        """
        return _register(data)


class ProbeRefusal(Problem):
    code, slug = 409, "conflict"


class ProbeCountedRefusal(Problem):
    code, slug = 409, "conflict"
    commits_work = True


def _register(data: dict[str, Any]) -> Citizen:
    return services.register_citizen(CitizenRegistrationSchema().dump(data))


def _audit(outcome: str) -> None:
    audit.record("probe.unit_of_work", outcome)


@blp.route("/unit-of-work/<string:ending>")
class ProbeUnitOfWork(MethodView):
    @idempotent
    @auth_required
    @blp.arguments(CitizenRegistrationSchema)
    @blp.response(201, CitizenSchema)
    def post(self, data: dict[str, Any], ending: str) -> Citizen:
        """Register a citizen, keep an audit record, then end as told (test only).

        ``refused`` raises a refusal, ``counted`` one that commits its work,
        ``after-commit`` audits once the registration is committed.
        """
        citizen = _register(data)
        unit_of_work.keep(functools.partial(_audit, "kept"))
        if ending == "refused":
            raise ProbeRefusal()
        if ending == "counted":
            raise ProbeCountedRefusal()
        if ending == "after-commit":
            unit_of_work.after_commit(functools.partial(_audit, "after-commit"))
        return citizen


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
