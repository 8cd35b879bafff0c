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
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> ConsentRequest:
        """Ask a citizen for access to their data (staff acting for an organisation).

        Staff acting for an organisation, in any role but ``analyst`` (403 otherwise).
        Name the citizen by exactly one of ``subject_id`` and ``national_id``. The
        answer never tells whether the id matches anyone (``subject_id`` is null for
        the requester); only a matched citizen (or the guardians of a child under 14)
        is notified. The purpose must suit the organisation's sector and the
        categories, and access lasts at most a year (else 422). 429
        ``too-many-consent-requests`` past the organisation's hourly limit. The
        request expires after 7 days unanswered. Honours ``Idempotency-Key``.
        """
        return requests.create_request(current_actor(), data)

    @auth_required
    @blp.arguments(ConsentRequestQueryArgsSchema, location="query")
    @blp.response(200, page_schema(ConsentRequestSchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> Page[ConsentRequest]:
        """List my (and my children's) requests, or my organisation's sent ones.

        A citizen's token lists requests to them and to the children under 14 they are
        guardian of; a token acting for an organisation lists the requests it sent.
        ``status=pending`` leaves out requests past their 7-day deadline and
        ``status=expired`` includes them, even before the expiry sweep has run. Newest
        first, paged with ``cursor``/``limit``.
        """
        return requests.list_requests(current_actor(), args.pop("status"), **args)


@blp.route("/consent-requests/<uuid:request_id>")
class ConsentRequestById(MethodView):
    @etagged
    @auth_required
    @blp.response(200, ConsentRequestSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(self, request_id: uuid.UUID) -> ConsentRequest:
        """Read one consent request.

        Visible to the citizen asked, their guardian while the child is under 14, and
        staff of the requesting organisation (for whom ``subject_id`` is null); anyone
        else gets 404, as for an unknown id. Sends an ``ETag``: revalidate with
        ``If-None-Match`` (304).
        """
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
        """Approve a request, possibly narrowed; needs a recent level-2 login.

        Only the citizen asked, or their guardian while the child is under 14, not
        acting for an organisation (403 ``not-your-consent``; 404 for an unknown
        request). Without a level-2 login in the last 5 minutes: 401 with a step-up
        challenge. Send ``{}`` to grant what was asked, or fewer categories, a shorter
        period or an earlier end; anything wider is 422. Creates the signed consent and
        notifies the organisation. 409 ``consent-state-conflict`` when the request is
        no longer pending (one past its deadline is marked expired). Honours
        ``Idempotency-Key``.
        """
        return answers.approve(current_actor(), request_id, changes)


@blp.route("/consent-requests/<uuid:request_id>/deny")
class DenyRequest(MethodView):
    @auth_required
    @blp.response(200, ConsentRequestSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def post(self, request_id: uuid.UUID) -> ConsentRequest:
        """Deny a request.

        Only the citizen asked, or their guardian while the child is under 14, not
        acting for an organisation (403 ``not-your-consent``; 404 for an unknown
        request); no step-up is needed. The requesting organisation is notified. 409
        ``consent-state-conflict`` when the request is no longer pending; one past its
        7-day deadline is marked expired instead.
        """
        return answers.deny(current_actor(), request_id)


@blp.route("/consents")
class Consents(MethodView):
    @auth_required
    @blp.arguments(ArtefactQueryArgsSchema, location="query")
    @blp.response(200, page_schema(ArtefactSchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> Page[ConsentArtefact]:
        """List my (and my children's) consents, or my organisation's.

        A citizen's token lists consents about them and the children under 14 they are
        guardian of; a token acting for an organisation lists those granted to it.
        ``status=granted`` leaves out consents past ``valid_until`` and
        ``status=expired`` includes them, even before the expiry sweep has run. Newest
        first, paged with ``cursor``/``limit``.
        """
        return artefacts.list_artefacts(current_actor(), args.pop("status"), **args)


@blp.route("/consents/<uuid:artefact_id>")
class ConsentById(MethodView):
    @etagged
    @auth_required
    @blp.response(200, ArtefactSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(self, artefact_id: uuid.UUID) -> ConsentArtefact:
        """Read one consent artefact with its status history.

        Visible to its subject, their guardian while the child is under 14, and staff
        of the grantee organisation; anyone else gets 404, as for an unknown id.
        ``status`` is computed at read time: a consent past ``valid_until`` reads as
        expired before any sweep. Sends an ``ETag``: revalidate with
        ``If-None-Match`` (304).
        """
        return artefacts.get_artefact(current_actor(), artefact_id)


@blp.route("/consents/<uuid:artefact_id>/revoke")
class RevokeConsent(MethodView):
    @auth_required
    @blp.arguments(RevocationSchema)
    @blp.response(200, ArtefactSchema)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any], artefact_id: uuid.UUID) -> ConsentArtefact:
        """Revoke a consent: it stops working on the very next request.

        By its subject or their guardian (not acting for an organisation), or by staff
        of the grantee organisation giving it up; anyone else gets 404. The optional
        ``reason`` (send ``{}`` for none) goes into the status history, and the other
        side is notified. 409 ``consent-state-conflict`` when the consent is already
        revoked or expired.
        """
        return artefacts.revoke(current_actor(), artefact_id, data["reason"])


@blp.route("/consents/<uuid:artefact_id>/jws")
class ConsentJws(MethodView):
    @auth_required
    @blp.response(200, ArtefactJwsSchema)
    @blp.doc(security=BEARER)
    def get(self, artefact_id: uuid.UUID) -> artefacts.SignedArtefact:
        """Get the artefact signed by the server (compact JWS), to print or verify.

        Visible to the same callers as the consent itself (404 otherwise). ``jws`` is
        the consent as granted, signed ES256 with ``typ`` ``consent+jwt``; verify it
        with the keys at ``jwks_uri``. The signature does not change on revocation:
        whether the consent is still in force is answered by reading it.
        """
        return artefacts.signed_artefact(current_actor(), artefact_id)


@blp.route("/share-codes")
class ShareCodes(MethodView):
    @step_up_required
    @blp.arguments(ShareCodeCreateSchema)
    @blp.response(201, ShareCodeSchema)
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> share_codes.IssuedCode:
        """Create a code to share chosen categories at a counter (10 minutes, once).

        For the citizen, or a child under 14 they are guardian of (``subject_id``), not
        acting for an organisation (403 otherwise). Without a level-2 login in the
        last 5 minutes: 401 with a step-up challenge. The 8-character ``code`` and its
        QR image are shown only in this answer (only a digest is stored). The consent a
        redemption creates lasts ``access_hours`` from then.
        """
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
        """Turn a citizen's share code into a consent for my organisation.

        Staff acting for an organisation (403 otherwise). The consent is view-only,
        covers the whole history of those of the code's categories that the
        organisation's sector may reach, and lasts the hours chosen; whoever created
        the code is notified. 404 ``share-code-invalid`` for an unknown, used or
        expired code (letter case does not matter); 403 ``share-code-not-for-sector``
        when no category fits (the code stays unused); 429 ``share-code-throttled``
        with ``Retry-After`` after repeated wrong codes. Honours ``Idempotency-Key``.
        """
        return share_codes.redeem(current_actor(), code)


@blp.route("/citizens/me/access-log")
class MyAccessLog(MethodView):
    @auth_required
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(AccessEventSchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> Page[AccessEvent]:
        """See who read my data, or tried to, newest first.

        Every read of my data by someone else, permitted or denied: who, for which
        organisation, which category and action, on what basis, and the reason for a
        denial. My own reads are not logged. Only for a citizen's own token; a token
        acting for an organisation gets 404. Paged with ``cursor``/``limit``.
        """
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
        """See who read my child's data (guardians), newest first.

        For a guardian while the child is under 14 (or the citizen themself), not
        acting for an organisation; anyone else gets 404, as for an unknown id. The
        entries are those of ``/citizens/me/access-log``. Paged with
        ``cursor``/``limit``.
        """
        return access_log.for_subject(current_actor(), citizen_id, **args)
