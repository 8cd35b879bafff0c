"""HTTP API of the register's identity data shared under consent.

Another party reads a citizen's identity (basic or full) only as
:mod:`consent.policies` decides, and the read is logged where the citizen sees it.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from app.auth import BEARER, auth_required, current_actor
from app.blueprint import Blueprint
from consent import policies
from consent.vocabulary import Category
from identity import services
from identity.schemas import CitizenIdentitySchema, CitizenViewArgsSchema

blp = Blueprint(
    "identity_sharing",
    __name__,
    url_prefix="/api/v1",
    description="Identity data of the population register, shared under consent.",
)


@blp.route("/citizens/<uuid:citizen_id>")
class CitizenById(MethodView):
    @auth_required
    @blp.arguments(CitizenViewArgsSchema, location="query")
    @blp.response(200, CitizenIdentitySchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, str], citizen_id: uuid.UUID) -> dict[str, Any]:
        """Read a citizen's identity data: mine, my child's, or under consent (logged).

        ``view=basic`` is name, birth date and sex; ``view=full`` adds national id,
        address and phone and needs the separate ``identity_full`` category. The
        citizen reads their own (not logged); a guardian of a child under 14, or staff
        under a live consent naming their organisation and the category, may read
        another's. Every decision on another's data, permit or deny, is logged in the
        citizen's access log. 404 for an unknown citizen; 403 ``consent-required``;
        429 with ``Retry-After`` when the consent's frequency limit is used up.
        """
        citizen = services.get_citizen(citizen_id)
        full = args["view"] == "full"
        category = Category.IDENTITY_FULL if full else Category.IDENTITY_BASIC
        policies.authorize_read(current_actor(), citizen.id, category)
        return services.identity_view(citizen, full=full)
