"""HTTP of the wallet for the app: a citizen adds a credential to a wallet, a
school or clinic asks a wallet for one."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import get_jwt_identity

from app.auth import BEARER, auth_required, current_actor, step_up_required
from app.blueprint import Blueprint
from app.errors import Forbidden
from app.extensions import limiter
from wallet import offers, records, verifier
from wallet.schemas import (
    OfferableListSchema,
    OfferCreateSchema,
    OfferSchema,
    PresentationRequestCreateSchema,
    PresentationRequestSchema,
)
from wallet.types import TYPES

blp = Blueprint(
    "wallet_api",
    __name__,
    url_prefix="/api/v1",
    description="Add credentials to a wallet; ask a wallet for credentials.",
)


def _offer_limit() -> str:
    return str(current_app.config["WALLET_OFFER_RATE_LIMIT"])


def _citizen() -> str:
    """Whose offers count together: the citizen's (the token is verified first)."""
    return f"citizen:{get_jwt_identity()}"


def _for_myself() -> Any:
    actor = current_actor()
    if actor.acts_for_org:
        raise Forbidden()
    return actor


@blp.route("/wallet/credentials")
class WalletCredentials(MethodView):
    @auth_required
    @blp.response(200, OfferableListSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.doc(security=BEARER)
    def get(self) -> dict[str, Any]:
        """List the credentials I may add to a wallet (mine and my young children's).

        For a citizen acting for themself (403 when acting for an organisation):
        each published transcript in force and each BHYT card in the health book,
        of the caller and of the children under 14 they are the guardian of, by
        ``identifier`` (what ``POST /api/v1/wallet/offers`` takes) and a label.
        """
        actor = _for_myself()
        return {"items": records.available(actor, list(TYPES.values()))}


@blp.route("/wallet/offers")
class WalletOffers(MethodView):
    @step_up_required
    @limiter.limit(_offer_limit, key_func=_citizen)
    @blp.arguments(OfferCreateSchema)
    @blp.response(201, OfferSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> offers.MadeOffer:
        """Add a credential to a wallet: make a credential offer (OpenID4VCI).

        A level-2 login of the last five minutes (401 with the step-up challenge
        otherwise), acting for oneself. ``credential_identifier`` is one of
        ``GET /api/v1/wallet/credentials``; anything else is 404. Answers the
        offer as a link (``openid-credential-offer://``) and its QR code, valid
        ten minutes, and the six-digit ``tx_code`` the wallet will ask for —
        shown only here, once. A guardian's offer of a child's transcript is
        logged in the child's access log when the wallet fetches it.
        """
        return offers.make(_for_myself(), data["credential_identifier"])


def _request_view(found: Any) -> dict[str, Any]:
    return {
        "id": found.id,
        "purpose": found.purpose,
        "dcql_query": found.dcql_query,
        "checks": found.checks,
        "client_id": verifier.client_id(found.org_id),
        "request_link": verifier.request_link(found),
        "expires_at": found.expires_at,
        "outcome": found.outcome,
        "result": found.result,
    }


@blp.route("/verifier/requests")
class PresentationRequests(MethodView):
    @auth_required
    @blp.arguments(PresentationRequestCreateSchema)
    @blp.response(201, PresentationRequestSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> verifier.MadeRequest:
        """Ask a wallet for credentials (OpenID4VP 1.0 with DCQL).

        A member of a school or clinic acting for it (403 otherwise). The DCQL
        query names credential types this service issues (``meta.vct_values``)
        and the claims wanted (``values`` for exact matches); ``checks`` are the
        verifier's own tests of a disclosed number (``minimum``), never sent to
        the wallet. Answers the request as a link (``openid4vp://``) and QR code
        for the citizen's wallet, valid ten minutes, and ``page_url``: the page
        that shows the outcome, only to whoever holds that link (shown once).
        """
        return verifier.create(current_actor(), data)


@blp.route("/verifier/requests/<uuid:presentation_id>")
class PresentationRequestById(MethodView):
    @auth_required
    @blp.response(200, PresentationRequestSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(self, presentation_id: uuid.UUID) -> dict[str, Any]:
        """Read a presentation request and its outcome.

        For members of the organisation that made it. ``outcome`` is ``null``
        until the wallet answers, then ``verified`` (``result`` holds each
        credential's issuer, type and only the claims that were disclosed, and
        the checks), ``rejected`` (``result.reason``) or ``refused`` (the wallet
        said no).
        """
        return _request_view(verifier.read(current_actor(), presentation_id))
