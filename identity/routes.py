"""HTTP API of the population register: the citizen's own entry, the children they
act for, and the public registry of organisations."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from app.auth import BEARER, auth_required, current_actor
from app.blueprint import Blueprint
from app.db import utcnow
from app.etag import etagged
from app.extensions import db
from app.pagination import Page, PageArgsSchema, page_schema
from consent import policies as consent_policies
from consent.vocabulary import Category
from identity import services
from identity.models import Citizen, Organisation
from identity.schemas import (
    CitizenIdentitySchema,
    CitizenSchema,
    CitizenViewArgsSchema,
    OrganisationQueryArgsSchema,
    OrganisationSchema,
    WardSchema,
)

blp = Blueprint(
    "identity",
    __name__,
    url_prefix="/api/v1",
    description="The population register: citizens, guardianship, organisations.",
)


@blp.route("/citizens/me")
class CitizenMe(MethodView):
    @etagged
    @auth_required
    @blp.response(200, CitizenSchema)
    @blp.doc(security=BEARER)
    def get(self) -> Citizen:
        """Read my entry in the population register and my roles."""
        return services.get_citizen(current_actor().citizen_id, with_roles=True)


@blp.route("/citizens/<uuid:citizen_id>")
class CitizenById(MethodView):
    @auth_required
    @blp.arguments(CitizenViewArgsSchema, location="query")
    @blp.response(200, CitizenIdentitySchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, str], citizen_id: uuid.UUID) -> dict[str, Any]:
        """Read a citizen's identity data: mine, my child's, or under consent (logged)."""
        citizen = services.get_citizen(citizen_id)
        full = args["view"] == "full"
        category = Category.IDENTITY_FULL if full else Category.IDENTITY_BASIC
        consent_policies.authorize_read(current_actor(), citizen.id, category)
        db.session.commit()  # keep the access event
        return services.identity_view(citizen, full=full)


@blp.route("/citizens/me/dependants")
class Dependants(MethodView):
    @auth_required
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(WardSchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> Page[Citizen]:
        """List the children under 14 I act for, youngest first."""
        return services.list_wards(current_actor().citizen_id, utcnow().date(), **args)


@blp.route("/organisations")
class Organisations(MethodView):
    @blp.arguments(OrganisationQueryArgsSchema, location="query")
    @blp.response(200, page_schema(OrganisationSchema))
    def get(self, args: dict[str, Any]) -> Page[Organisation]:
        """List registered clinics, schools and agencies, newest first."""
        return services.list_organisations(**args)


@blp.route("/organisations/<uuid:org_id>")
class OrganisationById(MethodView):
    @etagged
    @blp.response(200, OrganisationSchema)
    def get(self, org_id: uuid.UUID) -> Organisation:
        """Read one registered organisation."""
        return services.get_organisation(org_id)
