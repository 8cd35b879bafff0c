"""HTTP API of the population register: the citizen's own entry, the children they
act for, and the public registry of organisations."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from flask.views import MethodView

from app.auth import BEARER, auth_required, current_actor
from app.blueprint import Blueprint
from app.db import utcnow
from app.etag import etagged
from app.pagination import Page, PageArgsSchema, page_schema
from app.public_cache import public_json
from identity import services
from identity.models import Citizen, Organisation
from identity.schemas import (
    CitizenSchema,
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
        """Read my entry in the population register and my roles.

        Any signed-in citizen, with a personal or an ``act-as`` token: it always
        returns the caller's own entry, and ``memberships`` lists only roles that
        have not ended. The answer carries an ``ETag``; send it as ``If-None-Match``
        to get 304 while nothing changed. A token whose citizen has left the
        register is refused with 401 ``invalid-token``.
        """
        return services.get_citizen(current_actor().citizen_id, with_roles=True)


@blp.route("/citizens/me/dependants")
class Dependants(MethodView):
    @auth_required
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(WardSchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> Page[Citizen]:
        """List the children under 14 I act for, youngest first.

        Any signed-in citizen; the list holds only the caller's own wards in the
        register who have not turned 14 today, so acting for a child ends on their
        ``guardianship_ends_on`` with no change to the register. Paged with
        ``cursor`` and ``limit`` (1 to 100, default 20); a cursor of another list is
        422. A citizen who acts for no child gets an empty page.
        """
        return services.list_wards(current_actor().citizen_id, utcnow().date(), **args)


_ORGANISATIONS = page_schema(
    OrganisationSchema
)()  # made once; dumping does not change it


@blp.route("/organisations")
class Organisations(MethodView):
    @blp.arguments(OrganisationQueryArgsSchema, location="query")
    @blp.response(200, page_schema(OrganisationSchema))
    def get(self, args: dict[str, Any]) -> Response:
        """List registered clinics, schools and agencies, newest first.

        Public: no token needed (the operations centre is listed too). Filter by
        ``kind`` and ``sector``; paged with ``cursor`` and ``limit`` (1 to 100,
        default 20), and an unknown parameter or a forged cursor is 422. Each
        worker keeps the answer to a query string for ``PUBLIC_CACHE_SECONDS`` (30
        by default) and sends ``Cache-Control: public`` with that ``max-age``, so a
        new organisation can take that long to appear.
        """
        return public_json(
            lambda: _ORGANISATIONS.dump(services.list_organisations(**args))
        )


@blp.route("/organisations/<uuid:org_id>")
class OrganisationById(MethodView):
    @etagged
    @blp.response(200, OrganisationSchema)
    def get(self, org_id: uuid.UUID) -> Organisation:
        """Read one registered organisation.

        Public: no token needed. 404 ``not-found`` when no organisation has this
        id. The answer carries an ``ETag`` (with ``Cache-Control: private,
        no-cache``); send it as ``If-None-Match`` to get 304 while it is unchanged.
        """
        return services.get_organisation(org_id)
