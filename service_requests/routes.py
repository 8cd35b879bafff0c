"""HTTP API of the one-stop shop: catalogue, uploads, dossiers, queue, statistics."""

from __future__ import annotations

import io
import uuid
from typing import Any

from flask import Response, current_app, jsonify, send_file
from flask.views import MethodView
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request
from flask_limiter.util import get_remote_address

from app.auth import BEARER, auth_required, current_actor
from app.blueprint import Blueprint
from app.etag import etagged
from app.extensions import limiter
from app.idempotency import idempotent
from app.pagination import Page, page_schema
from app.public_cache import public_json
from app.unit_of_work import read_only
from service_requests import (
    dossiers,
    moves,
    ratings,
    rendering,
    stats,
    submission,
    uploads,
)
from service_requests.models import Dossier, DossierRating, DossierStatus, Procedure
from service_requests.models import Upload as UploadModel
from service_requests.procedure_schemas import ProcedureSchema
from service_requests.schemas import (
    ApologySchema,
    DossierCreateSchema,
    DossierSchema,
    DossierSummarySchema,
    OwnDossierArgsSchema,
    PaymentSchema,
    QueueArgsSchema,
    RatingOutSchema,
    RatingSchema,
    ReusedDataSchema,
    SupplementSchema,
    TransitionSchema,
    UploadFormSchema,
    UploadSchema,
)
from service_requests.stats_schemas import StatsArgsSchema, StatsSchema

blp = Blueprint(
    "service_requests",
    __name__,
    url_prefix="/api/v1",
    description="The one-stop shop: procedures, dossiers and their statistics.",
)

_PDF = {
    200: {
        "description": "PDF",
        "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}}
        },
    }
}


_PROCEDURES = page_schema(ProcedureSchema)()  # made once; dumping does not change it


@blp.route("/procedures")
class Procedures(MethodView):
    @blp.response(200, page_schema(ProcedureSchema))
    def get(self) -> Response:
        """List the procedure catalogue (whole, on one page).

        Public: no token needed. Every procedure, ordered by code, on one page
        (``next_cursor`` is always null). The answer is the same for everyone: each
        worker keeps it for ``PUBLIC_CACHE_SECONDS`` (30 s by default) and sends it
        with ``Cache-Control: public, max-age``, so a catalogue change shows within
        that time.
        """
        return public_json(
            lambda: _PROCEDURES.dump(
                Page(items=submission.list_procedures(), next_cursor=None)
            )
        )


@blp.route("/procedures/<string:code>")
class ProcedureByCode(MethodView):
    @etagged
    @blp.response(200, ProcedureSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, code: str) -> Procedure:
        """Read a procedure: its form fields, documents, deadline and fees.

        Public: no token needed. ``fields`` is what a dossier's ``form`` must match;
        ``documents`` lists its components, each with the ``sources`` that may supply
        it (an upload, or digitised data reused instead). The answer has a strong
        ``ETag``, and a matching ``If-None-Match`` gets 304. 404 when no procedure
        has this code.
        """
        return submission.get_procedure(code)


def _upload_limit() -> str:
    return str(current_app.config["UPLOAD_RATE_LIMIT"])


def _uploader() -> str:
    """Whose uploads count together: the citizen's, else the address's."""
    try:
        verify_jwt_in_request(optional=True)
        identity = get_jwt_identity()
    except Exception:  # auth_required answers a bad token; this only counts
        identity = None
    return f"citizen:{identity}" if identity else get_remote_address()


@blp.route("/uploads")
class Uploads(MethodView):
    decorators = [limiter.limit(_upload_limit, key_func=_uploader)]  # noqa: RUF012

    # The file is checked as its arguments are read (a PDF can take seconds), and
    # only then does the request queue for the write lock: in the Idempotency-Key's
    # claim or in uploads.store. read_only spares it the lock up front.
    @read_only
    @auth_required
    @blp.arguments(UploadFormSchema, location="files")
    @idempotent
    @blp.response(201, UploadSchema)
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(security=BEARER)
    def post(self, files: dict[str, Any]) -> UploadModel:
        """Upload a PDF, JPEG or PNG (at most 10 MB) to attach to a dossier within a day.

        A citizen's own token (403 when acting for an organisation); multipart with
        the one part ``file``. The type is judged by content, never by name: a file
        that is not one, or a PDF with scripts, actions, attachments or a password,
        is 422 on ``file``. The name keeps a cleaned stem and the found type's
        extension. Past ``UPLOAD_RATE_LIMIT`` (60 an hour per citizen by default),
        429. ``Idempotency-Key`` is honoured. Housekeeping deletes an upload not
        attached within 24 hours.
        """
        return uploads.store(current_actor(), files["file"])


@blp.route("/dossiers")
class Dossiers(MethodView):
    @idempotent
    @auth_required
    @blp.arguments(DossierCreateSchema)
    @blp.response(201, DossierSchema)
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> Dossier:
        """File a dossier under a procedure; the answer carries its receipt code.

        A citizen's own token (403 when acting for an organisation). Each document is
        the ``upload_id`` of an unattached upload of the caller's, or a ``reference``
        to digitised data (identity, transcript, immunizations) of the caller or of a
        child under 14 in their care (once-only). The form and documents are checked
        together: one 422 lists every problem and nothing is kept. The dossier starts
        at status 1 (Mới đăng ký) with its due date; the applicant is notified.
        ``Idempotency-Key`` replays a retry instead of filing twice.
        """
        return submission.submit(current_actor(), data)

    @auth_required
    @blp.arguments(OwnDossierArgsSchema, location="query")
    @blp.response(200, page_schema(DossierSummarySchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> Page[Dossier]:
        """List my dossiers, newest first.

        A citizen's own token: the dossiers they filed as applicant (403 when the
        token acts for an organisation). ``status`` keeps one status of the national
        list. Paged by cursor: ``limit`` 1 to 100 (20 by default), and pass
        ``next_cursor`` back as ``cursor``; no total is given. An unknown query
        parameter is 422.
        """
        status = args.pop("status")
        return dossiers.list_own(
            current_actor(), DossierStatus(status) if status else None, **args
        )


@blp.route("/dossiers/<uuid:dossier_id>")
class DossierById(MethodView):
    @etagged
    @auth_required
    @blp.response(200, DossierSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(self, dossier_id: uuid.UUID) -> Dossier:
        """Read a dossier (its applicant, or an officer of the handling agency).

        The applicant with their own token, or an officer of the handling agency
        acting for it; to anyone else the dossier does not exist (404). The answer
        holds the documents, deadline figures and full ``history``; ``rating`` is
        shown to the applicant only (null for officers). It has a strong ``ETag``
        (``Cache-Control: private, no-cache``); a matching ``If-None-Match`` gets
        304.
        """
        dossier, _party = dossiers.get_for(current_actor(), dossier_id)
        return dossier


def _dossier_action(
    path: str, schema: type[Any], summary: str, call: Any, status: int = 200
) -> None:
    class Action(MethodView):
        @auth_required
        @blp.arguments(schema)
        @blp.response(status, DossierSchema)
        @blp.alt_response(409, response="CONFLICT")
        @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
        @blp.doc(security=BEARER, summary=summary)
        def post(self, data: dict[str, Any], dossier_id: uuid.UUID) -> Dossier:
            """Act on a dossier (each route's summary names the act).

            Officers of the handling agency, acting for it, make ``transitions``
            (the applicant only withdraws, 7) and send the ``apology``; the applicant
            sends ``payments`` and ``supplements``. The other party gets 403, anyone
            else 404. The dossier is locked while it changes, the act is appended to
            its ``history`` and the dossier is returned. 409 when its state does not
            allow the act now; 422 when the body lacks or contradicts what the act
            needs (a ``reason`` for 3, 5 and 8; the exact fee; a later date).
            """
            dossier: Dossier = call(current_actor(), dossier_id, data)
            return dossier

    Action.__name__ = f"Dossier{path.title().replace('-', '')}"
    blp.route(f"/dossiers/<uuid:dossier_id>/{path}")(Action)


_dossier_action(
    "transitions",
    TransitionSchema,
    "Move a dossier on the national status list (who may, and when, per the table).",
    moves.transition,
)
_dossier_action(
    "payments",
    PaymentSchema,
    "Confirm the fee is paid (the payment gateway's callback, mocked): back to 4.",
    lambda actor, dossier_id, data: moves.pay(actor, dossier_id, data["amount"]),
)
_dossier_action(
    "supplements",
    SupplementSchema,
    "Send the documents a supplement request asked for (the applicant).",
    submission.submit_supplement,
)
_dossier_action(
    "apology",
    ApologySchema,
    "Send the one apology letter with a new date, before the due date (an officer).",
    moves.apologise,
)


@blp.route("/dossiers/<uuid:dossier_id>/rating")
class DossierRatingView(MethodView):
    @auth_required
    @blp.arguments(RatingSchema)
    @blp.response(201, RatingOutSchema)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any], dossier_id: uuid.UUID) -> DossierRating:
        """Rate a returned dossier on the nine indices, once (its applicant).

        The applicant's own token; an officer of the handling agency gets 403,
        anyone else 404. Every one of the nine indices needs a score of 0, 1 or 2
        (else 422). 409 (``dossier-rating-refused``, with ``current_status`` and
        ``rated``) unless the dossier is at status 10 (Đã trả kết quả) and not yet
        rated. The applicant sees the rating in the dossier; officers see ratings
        only aggregated, in the statistics.
        """
        return ratings.rate(current_actor(), dossier_id, data)


@blp.route("/dossiers/<uuid:dossier_id>/documents/<uuid:document_id>")
@blp.doc(
    security=BEARER,
    summary="Read one document: the uploaded file, or the digitised data it reuses.",
    responses={
        200: {
            "description": "The file (PDF, JPEG, PNG) or the reused data (JSON)",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": ReusedDataSchema},
            },
        },
        404: {"$ref": "#/components/responses/NOT_FOUND"},
    },
)
@auth_required
def dossier_document(dossier_id: uuid.UUID, document_id: uuid.UUID) -> Response:
    """Read one document: the uploaded file, or the digitised data it reuses.

    The dossier's parties only: its applicant, or an officer of the handling agency
    acting for it; anyone else, or an unknown document, 404. A file comes as an
    attachment of its checked type with a server-made name (``no-store``,
    ``nosniff``). Reused data comes as it is now, with ``in_force`` and
    ``unchanged`` against what was attached; the consent policy decides the read
    (403 if refused), and an officer's read is logged in the subject's access log
    (basis ``dossier``).
    """
    actor = current_actor()
    _dossier, document = dossiers.document_of(actor, dossier_id, document_id)
    if document.upload is None:
        body = ReusedDataSchema().dump(
            dossiers.read_reused(actor, dossier_id, document_id)
        )
        reused = jsonify(body)
        reused.headers["Cache-Control"] = "private, no-store"
        return reused
    upload = document.upload
    # Type and extension are the checked ones, whatever the uploader named it;
    # Werkzeug adds the RFC 6266 filename* for a Vietnamese name.
    response = send_file(
        io.BytesIO(upload.content),
        mimetype=upload.media_type,
        as_attachment=True,
        download_name=uploads.display_name(upload.filename, upload.media_type),
    )
    response.headers["Cache-Control"] = "private, no-store"
    # Never rendered by the browser as anything but the checked type, never scripted.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@blp.route("/dossiers/<uuid:dossier_id>/receipt")
@blp.doc(
    security=BEARER,
    summary="Download the receipt and appointment slip (Mẫu 01) of a received dossier.",
    responses={
        **_PDF,
        404: {"$ref": "#/components/responses/NOT_FOUND"},
        409: {"$ref": "#/components/responses/CONFLICT"},
    },
)
@auth_required
def dossier_receipt(dossier_id: uuid.UUID) -> Response:
    """Download the receipt and appointment slip (Mẫu 01) of a received dossier.

    The dossier's applicant, or an officer of the handling agency acting for it;
    anyone else 404. A PDF in Vietnamese laid out as Mẫu 01 (Circular
    01/2018/TT-VPCP): the national header, the receipt code, the applicant, the
    documents and where each came from, the fee, when it was received and when the
    result is due, the receiving officer, and a QR code that opens the dossier's
    public tracking page (``/track``). Named ``<receipt_code>.pdf`` and never
    cached. 409 (``dossier-not-received``, with ``current_status``) while
    the agency has not received the dossier.
    """
    dossier = dossiers.received(current_actor(), dossier_id)
    return Response(
        rendering.receipt_pdf(dossier),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{dossier.receipt_code}.pdf"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@blp.route("/agencies/<uuid:agency_id>/dossiers")
class AgencyQueue(MethodView):
    @auth_required
    @blp.arguments(QueueArgsSchema, location="query")
    @blp.response(200, page_schema(DossierSummarySchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any], agency_id: uuid.UUID) -> Page[Dossier]:
        """An agency's queue for its officers: filter by status, overdue, procedure.

        An officer of this agency acting for it (a token from ``act-as``); anyone
        else, officers of another agency included, gets 403. Newest first, paged by
        cursor (``limit``, ``cursor``, ``next_cursor``). ``overdue`` judges lateness
        at processing's end, a pause's start, or now, and never counts refused or
        withdrawn dossiers; ``procedure`` is a procedure code.
        """
        status = args.pop("status")
        return dossiers.queue(
            current_actor(),
            agency_id,
            status=DossierStatus(status) if status else None,
            overdue=args.pop("overdue"),
            procedure_code=args.pop("procedure"),
            **args,
        )


@blp.route("/stats")
class Stats(MethodView):
    @auth_required
    @blp.arguments(StatsArgsSchema, location="query")
    @blp.response(200, StatsSchema)
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Aggregate figures (analysts; an agency's officers for it); small cells hidden.

        Analysts of the operations centre, for all agencies or one; an officer acting
        for an agency, only with that agency's ``agency_id`` (403 otherwise). The
        period is widened to whole calendar months (Vietnam time) and covers only
        closed months, up to ``published_to``. Dates outside 2000 to 2099, or a
        period that ends before it starts, are 422. No person or dossier appears.
        """
        return stats.compute(current_actor(), **args)
