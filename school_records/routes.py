"""HTTP API of school records, the public verifier and its web page."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from flask import Response, current_app, jsonify, render_template, request
from flask.views import MethodView
from werkzeug.http import quote_etag

from app import i18n
from app.auth import BEARER, auth_required, current_actor, step_up_required
from app.blueprint import Blueprint
from app.errors import NotFound
from app.etag import require_match
from app.extensions import db, limiter
from app.idempotency import idempotent
from app.pagination import Page, PageArgsSchema, page_schema
from app.unit_of_work import read_only
from identity.services import resolve_subject
from school_records import (
    credentials,
    drafting,
    keys,
    pdf,
    publishing,
    report,
    signing,
    transcripts,
    verification,
)
from school_records.models import StatusList, Transcript
from school_records.resolver import DatabaseResolver
from school_records.schemas import (
    CredentialSchema,
    ReasonSchema,
    TranscriptCreateSchema,
    TranscriptQueryArgsSchema,
    TranscriptSchema,
    TranscriptUpdateSchema,
    VerificationSchema,
    VerifyRequestSchema,
)

blp = Blueprint(
    "school_records",
    __name__,
    url_prefix="/api/v1",
    description="Digital school transcripts (học bạ số).",
)
page_blp = Blueprint(
    "verify_page",
    __name__,
    template_folder="templates",
    description="The public transcript verifier page.",
)

_JWT = {
    200: {
        "description": "A signed credential",
        "content": {"application/vc+jwt": {"schema": {"type": "string"}}},
    }
}


@blp.route("/schools/<uuid:school_id>/transcripts")
class SchoolTranscripts(MethodView):
    @idempotent
    @auth_required
    @blp.arguments(TranscriptCreateSchema)
    @blp.response(201, TranscriptSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any], school_id: uuid.UUID) -> Transcript:
        """Draft a pupil's transcript (a teacher or the principal of the school)."""
        return drafting.create_draft(current_actor(), school_id, data)

    @auth_required
    @blp.arguments(TranscriptQueryArgsSchema, location="query")
    @blp.response(200, page_schema(TranscriptSchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any], school_id: uuid.UUID) -> Page[Transcript]:
        """List the school's transcripts (its staff)."""
        return transcripts.list_for_school(
            current_actor(), school_id, args.pop("status"), **args
        )


@blp.route("/schools/<uuid:school_id>/jwks")
@blp.doc(
    summary="Read the school's public keys (issuer and teachers).",
    description=(
        "Every key the school and its teachers ever had: a transcript is kept for "
        "life, so retired keys stay. Besides its JWK members each key gives "
        "`holder` (`school` | `teacher`), `status` (`active` | `retired` | "
        "`withdrawn`) and its life as ISO 8601 instants: `created_at`; "
        "`retired_at` once it signs no more; `withdrawn_since` once it was "
        "compromised. A signature holds only on what is dated from `created_at` "
        "(less 5 minutes of clock skew) to `retired_at`, and before "
        "`withdrawn_since`."
    ),
    responses={
        200: {
            "description": "JWKS",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def school_jwks(school_id: uuid.UUID) -> Response:
    response = jsonify(keys.school_jwks(school_id))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blp.route("/status-lists/<uuid:list_id>")
@blp.doc(
    summary="Read a school's status list (a signed BitstringStatusListCredential).",
    responses={**_JWT, 404: {"$ref": "#/components/responses/NOT_FOUND"}},
)
def status_list(list_id: uuid.UUID) -> Response:
    found = db.session.get(StatusList, list_id)
    if found is None:
        raise NotFound()
    signed = credentials.status_list_credential(found)
    response = Response(signed, mimetype="application/vc+jwt")
    response.headers["Cache-Control"] = (
        f"public, max-age={credentials.STATUS_TTL_MS // 1000}"
    )
    return response


@blp.route("/transcripts/<uuid:transcript_id>")
class TranscriptById(MethodView):
    @auth_required
    @blp.response(200, TranscriptSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(self, transcript_id: uuid.UUID) -> tuple[Transcript, dict[str, str]]:
        """Read a transcript (its school's staff; once issued, the pupil, guardian or
        consented org). Its ``ETag`` names this version: a signature names it back."""
        transcript = transcripts.readable(current_actor(), transcript_id)
        return transcript, {"ETag": quote_etag(signing.version_tag(transcript))}

    @auth_required
    @blp.arguments(TranscriptUpdateSchema)
    @blp.response(200, TranscriptSchema)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def put(self, data: dict[str, Any], transcript_id: uuid.UUID) -> Transcript:
        """Edit a draft (signed transcripts are frozen)."""
        return drafting.update_draft(current_actor(), transcript_id, data)


def _with_reason(name: str, summary: str, call: Any) -> None:
    class Action(MethodView):
        @step_up_required
        @blp.arguments(ReasonSchema)
        @blp.response(200, TranscriptSchema)
        @blp.alt_response(403, response="FORBIDDEN")
        @blp.alt_response(409, response="CONFLICT")
        @blp.doc(security=BEARER, summary=f"{summary} Needs a recent level-2 login.")
        def post(self, data: dict[str, str], transcript_id: uuid.UUID) -> Transcript:
            transcript: Transcript = call(
                current_actor(), transcript_id, data["reason"]
            )
            return transcript

    blp.route(
        f"/transcripts/<uuid:transcript_id>/{name}", endpoint=f"transcript_{name}"
    )(Action)


_with_reason(
    "revoke",
    "Revoke a published transcript (the principal, with a reason).",
    publishing.revoke,
)
_with_reason(
    "suspend",
    "Suspend a published transcript (the principal, with a reason).",
    lambda actor, tid, reason: publishing.set_suspended(actor, tid, True, reason),
)
_with_reason(
    "unsuspend",
    "Lift a suspension (the principal, saying why).",
    lambda actor, tid, reason: publishing.set_suspended(actor, tid, False, reason),
)


#: The version a signature applies to.
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": "The ETag of the transcript as the signer read it.",
}


@blp.route("/transcripts/<uuid:transcript_id>/sign")
class Sign(MethodView):
    @step_up_required
    @blp.response(200, TranscriptSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    @blp.doc(security=BEARER, parameters=[IF_MATCH])
    def post(self, transcript_id: uuid.UUID) -> Transcript:
        """Sign the version read: the homeroom teacher first, then the principal,
        which publishes it (and revokes the transcript a correction replaces).

        Needs a recent level-2 login and ``If-Match`` with the ``ETag`` of the
        transcript as read (``GET /transcripts/{id}``): what someone changed after
        that is not signed (412, read it again).
        """
        return signing.sign(current_actor(), transcript_id, read=require_match)


@blp.route("/transcripts/<uuid:transcript_id>/corrections")
class Corrections(MethodView):
    @auth_required
    @blp.response(201, TranscriptSchema)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def post(self, transcript_id: uuid.UUID) -> Transcript:
        """Start a correction: a new draft that replaces this transcript once published."""
        return drafting.start_correction(current_actor(), transcript_id)


@blp.route("/transcripts/<uuid:transcript_id>/credential")
class TranscriptCredential(MethodView):
    @auth_required
    @blp.response(200, CredentialSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(self, transcript_id: uuid.UUID) -> dict[str, str]:
        """Download the transcript as a verifiable credential (vc+jwt); logged."""
        transcript, credential = transcripts.exported(
            current_actor(), transcript_id, "jwt"
        )
        return {
            "credential": credential,
            "digest": pdf.digest(credential),
            "verify_url": pdf.verify_url(transcript),
        }


@blp.route("/transcripts/<uuid:transcript_id>/pdf")
@blp.doc(
    security=BEARER,
    summary="Download the transcript as a PDF whose QR code opens the verifier; logged.",
    responses={
        200: {
            "description": "PDF",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
@auth_required
def transcript_pdf(transcript_id: uuid.UUID) -> Response:
    transcript, _ = transcripts.exported(current_actor(), transcript_id, "pdf")
    response = Response(pdf.render(transcript), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="hoc-ba-{transcript.school_year}.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/citizens/<subject:subject>/transcripts")
class CitizenTranscripts(MethodView):
    @auth_required
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(TranscriptSchema))
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any], subject: str | uuid.UUID) -> Page[Transcript]:
        """List a pupil's issued transcripts: mine, my child's, or under consent."""
        actor = current_actor()
        return transcripts.list_for_pupil(
            actor, resolve_subject(actor, subject), **args
        )


def _verify_limit() -> str:
    return str(current_app.config["VERIFY_RATE_LIMIT"])


@blp.route("/transcripts/verify")
class Verify(MethodView):
    decorators = [limiter.limit(_verify_limit)]  # noqa: RUF012 - Flask reads it once

    @read_only
    @blp.arguments(VerifyRequestSchema)
    @blp.response(200, VerificationSchema)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Verify a transcript credential (anyone): cryptographic, status, trust, semantic.

        When both signatures hold under a registered school's keys, the answer carries
        the signed content (every grade, the year results, the signers) so that a reader
        can compare it with a paper copy; otherwise no claim of the credential at all.
        """
        token = data.get("credential")
        if token is None:
            stored = db.session.get(Transcript, data["transcript_id"])
            if (
                stored is None
                or stored.credential is None
                or pdf.digest(stored.credential) != data["digest"]
            ):
                raise NotFound()
            token = stored.credential
        outcome = verification.verify(token, DatabaseResolver())
        signed = report.signed_content(outcome)
        return {
            "verified": outcome.verified,
            "checks": [check.as_dict() for check in outcome.checks],
            "summary": {
                "subject_name": signed["pupil"]["name"],
                "issuer_name": signed["school"]["name"],
                "school_year": signed["school_year"],
                "grade": signed["grade"],
            }
            if signed
            else None,
            "signed_content": signed,
        }


_PAGE_TEXT = {
    "vi": {
        "title": "Xác thực học bạ số", "intro": "Dán học bạ số (JWT) hoặc tải tệp lên để kiểm tra chữ ký, trạng thái, nơi cấp và điểm số.",
        "paste": "Học bạ số (JWT)", "upload": "hoặc chọn tệp", "verify": "Xác thực", "valid": "✔ Hợp lệ", "invalid": "✘ Không hợp lệ",
        "phase": "Giai đoạn", "check": "Kiểm tra", "result": "Kết quả", "switch": "English",
        "phases": {"cryptographic": "Chữ ký", "status": "Trạng thái", "trust": "Nơi cấp", "semantic": "Điểm số"},
        "signed": "Nội dung nhà trường đã ký", "compare": "Hãy so sánh từng điểm trên bản giấy với bảng này; bất kỳ khác biệt nào nghĩa là bản giấy đã bị sửa.",
        "not_in_force": "Học bạ này không còn hiệu lực (xem các kiểm tra bên dưới).", "subject": "Môn học", "s1": "Học kỳ I", "s2": "Học kỳ II", "year": "Cả năm",
        "conduct": "Rèn luyện", "learning": "Học tập", "absences": "Nghỉ học (có phép / không phép)", "promotion": "Xét lên lớp", "award": "Danh hiệu",
        "signers": "Người ký", "homeroom_teacher": "Giáo viên chủ nhiệm", "principal": "Hiệu trưởng", "issued": "Ngày cấp", "pupil": "Học sinh", "school": "Trường",
        "class": "Lớp", "school_year": "Năm học", "regular": "TX", "midterm": "GK", "final": "CK",
    },
    "en": {
        "title": "Verify a digital transcript", "intro": "Paste a digital transcript (JWT) or upload its file to check its signatures, status, issuer and grades.",
        "paste": "Digital transcript (JWT)", "upload": "or choose a file", "verify": "Verify", "valid": "✔ Valid", "invalid": "✘ Not valid",
        "phase": "Phase", "check": "Check", "result": "Result", "switch": "Tiếng Việt",
        "phases": {"cryptographic": "Signatures", "status": "Status", "trust": "Issuer", "semantic": "Grades"},
        "signed": "What the school signed", "compare": "Compare every grade on the paper with this table; any difference means the paper was altered.",
        "not_in_force": "This transcript is no longer in force (see the checks below).", "subject": "Subject", "s1": "Semester I", "s2": "Semester II", "year": "Year",
        "conduct": "Conduct", "learning": "Learning result", "absences": "Days absent (excused / unexcused)", "promotion": "Promotion", "award": "Award",
        "signers": "Signed by", "homeroom_teacher": "Homeroom teacher", "principal": "Principal", "issued": "Issued", "pupil": "Pupil", "school": "School",
        "class": "Class", "school_year": "School year", "regular": "regular", "midterm": "mid-term", "final": "final",
    },
}  # fmt: skip


@page_blp.route("/verify")
@page_blp.doc(
    summary="Open the transcript verifier (web page, Vietnamese or English).",
    responses={
        200: {
            "description": "HTML page",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    },
)
def verify_page() -> Response:
    requested = request.args.get("lang", "")
    lang = (
        requested if requested in i18n.SUPPORTED_LANGUAGES else i18n.current_language()
    )
    nonce = secrets.token_urlsafe(16)
    html = render_template(
        "verify.html",
        t=_PAGE_TEXT[lang],
        lang=lang,
        other="en" if lang == "vi" else "vi",
        nonce=nonce,
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    response.headers["Content-Language"] = lang
    return response


@page_blp.route("/contexts/hocba/v1")
@page_blp.doc(
    summary="Read the JSON-LD context of HocBaSoCredential.",
    responses={
        200: {
            "description": "JSON-LD",
            "content": {"application/ld+json": {"schema": {"type": "object"}}},
        }
    },
)
def hocba_context() -> Response:
    vocab = f"{current_app.config['BASE_URL']}/contexts/hocba/v1#"
    response = jsonify(
        {
            "@context": {
                "@version": 1.1,
                "@protected": True,
                "HocBaSoCredential": f"{vocab}HocBaSoCredential",
                "HocBaSo": f"{vocab}HocBaSo",
                "homeroomProof": {"@id": f"{vocab}homeroomProof", "@type": "@json"},
                "principalSignature": {
                    "@id": f"{vocab}principalSignature",
                    "@type": "@json",
                },
                "@vocab": vocab,
            }
        }
    )
    response.mimetype = "application/ld+json"
    return response
