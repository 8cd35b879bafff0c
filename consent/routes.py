"""HTTP API of consent: requests, artefacts, share codes and the access log."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from app.auth import BEARER, auth_required, current_actor, step_up_required
from app.blueprint import Blueprint
from app.etag import etagged
from app.idempotency import idempotent
from app.pagination import Page, PageArgsSchema, page_schema
from consent import access_log, answers, artefacts, requests, share_codes
from consent.models import AccessEvent, ConsentArtefact, ConsentRequest
from consent.schemas import (
    AccessEventSchema,
    ApprovalSchema,
    ArtefactJwsSchema,
    ArtefactQueryArgsSchema,
    ArtefactSchema,
    ConsentRequestCreateSchema,
    ConsentRequestQueryArgsSchema,
    ConsentRequestSchema,
    RevocationSchema,
    ShareCodeCreateSchema,
    ShareCodeSchema,
)

blp = Blueprint(
    "consent",
    __name__,
    url_prefix="/api/v1",
    description="Consent: who may read a citizen's data.",
)


@blp.route("/consent-requests")
class ConsentRequests(MethodView):
    @idempotent
    @auth_required
    @blp.arguments(ConsentRequestCreateSchema)
    @blp.response(201, ConsentRequestSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> ConsentRequest:
        """Ask a citizen for access to their data (staff acting for an organisation)."""
        return requests.create_request(current_actor(), data)

    @auth_required
    @blp.arguments(ConsentRequestQueryArgsSchema, location="query")
    @blp.response(200, page_schema(ConsentRequestSchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> Page[ConsentRequest]:
        """List my (and my children's) requests, or my organisation's sent ones."""
        return requests.list_requests(current_actor(), args.pop("status"), **args)


@blp.route("/consent-requests/<uuid:request_id>")
class ConsentRequestById(MethodView):
    @etagged
    @auth_required
    @blp.response(200, ConsentRequestSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(self, request_id: uuid.UUID) -> ConsentRequest:
        """Read one consent request."""
        return requests.get_request(current_actor(), request_id)


@blp.route("/consent-requests/<uuid:request_id>/approve")
class ApproveRequest(MethodView):
    @idempotent
    @step_up_required
    @blp.arguments(ApprovalSchema)
    @blp.response(201, ArtefactSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def post(self, changes: dict[str, Any], request_id: uuid.UUID) -> ConsentArtefact:
        """Approve a request, possibly narrowed; needs a recent level-2 login."""
        return answers.approve(current_actor(), request_id, changes)


@blp.route("/consent-requests/<uuid:request_id>/deny")
class DenyRequest(MethodView):
    @auth_required
    @blp.response(200, ConsentRequestSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def post(self, request_id: uuid.UUID) -> ConsentRequest:
        """Deny a request."""
        return answers.deny(current_actor(), request_id)


@blp.route("/consents")
class Consents(MethodView):
    @auth_required
    @blp.arguments(ArtefactQueryArgsSchema, location="query")
    @blp.response(200, page_schema(ArtefactSchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> Page[ConsentArtefact]:
        """List my (and my children's) consents, or my organisation's."""
        return artefacts.list_artefacts(current_actor(), args.pop("status"), **args)


@blp.route("/consents/<uuid:artefact_id>")
class ConsentById(MethodView):
    @etagged
    @auth_required
    @blp.response(200, ArtefactSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(self, artefact_id: uuid.UUID) -> ConsentArtefact:
        """Read one consent artefact with its status history."""
        return artefacts.get_artefact(current_actor(), artefact_id)


@blp.route("/consents/<uuid:artefact_id>/revoke")
class RevokeConsent(MethodView):
    @auth_required
    @blp.arguments(RevocationSchema)
    @blp.response(200, ArtefactSchema)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any], artefact_id: uuid.UUID) -> ConsentArtefact:
        """Revoke a consent: it stops working on the very next request."""
        return artefacts.revoke(current_actor(), artefact_id, data["reason"])


@blp.route("/consents/<uuid:artefact_id>/jws")
class ConsentJws(MethodView):
    @auth_required
    @blp.response(200, ArtefactJwsSchema)
    @blp.doc(security=BEARER)
    def get(self, artefact_id: uuid.UUID) -> artefacts.SignedArtefact:
        """Get the artefact signed by the server (compact JWS), to print or verify."""
        return artefacts.signed_artefact(current_actor(), artefact_id)


@blp.route("/share-codes")
class ShareCodes(MethodView):
    @step_up_required
    @blp.arguments(ShareCodeCreateSchema)
    @blp.response(201, ShareCodeSchema)
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> share_codes.IssuedCode:
        """Create a code to share chosen categories at a counter (10 minutes, once)."""
        return share_codes.create(
            current_actor(),
            data["subject_id"],
            data["categories"],
            data["access_hours"],
        )


@blp.route("/share-codes/<string:code>/redeem")
class RedeemShareCode(MethodView):
    @idempotent
    @auth_required
    @blp.response(201, ArtefactSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(security=BEARER)
    def post(self, code: str) -> ConsentArtefact:
        """Turn a citizen's share code into a consent for my organisation."""
        return share_codes.redeem(current_actor(), code)


@blp.route("/citizens/me/access-log")
class MyAccessLog(MethodView):
    @auth_required
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(AccessEventSchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> Page[AccessEvent]:
        """See who read my data, or tried to, newest first."""
        actor = current_actor()
        return access_log.for_subject(actor, actor.citizen_id, **args)


@blp.route("/citizens/<uuid:citizen_id>/access-log")
class ChildAccessLog(MethodView):
    @auth_required
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(AccessEventSchema))
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any], citizen_id: uuid.UUID) -> Page[AccessEvent]:
        """See who read my child's data (guardians), newest first."""
        return access_log.for_subject(current_actor(), citizen_id, **args)
