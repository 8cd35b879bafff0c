"""HTTP API of school records: transcripts, their credentials, the schools' keys and
status lists, and the public verifier. Its web page is in
:mod:`school_records.page_routes`."""

from __future__ import annotations

import functools
import json
import uuid
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from werkzeug.http import quote_etag

from app.auth import BEARER, auth_required, current_actor, step_up_required
from app.blueprint import Blueprint
from app.errors import NotFound
from app.etag import require_match
from app.extensions import db, limiter
from app.idempotency import idempotent
from app.pagination import Page, PageArgsSchema, page_schema
from app.public_cache import public_json
from app.unit_of_work import read_only
from identity.models import Organisation, OrganisationKind
from identity.services import resolve_subject
from school_records import (
    credentials,
    drafting,
    keys,
    publishing,
    rendering,
    report,
    signing,
    token_status,
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
        """Draft a pupil's transcript (a teacher or the principal of the school).

        The caller acts for the school (``act-as``) as a teacher or its principal;
        anyone else gets 403. The pupil must be enrolled, not withdrawn, in that class
        and grade here that school year, and the school must teach the grade (422; the
        ``pupil_id`` message is the same whoever the pupil is). ``content`` is checked
        against Circular 22 or 27 by grade, contradictions included (422 naming the
        field). 409 ``transcript-exists`` (with ``transcript_id``) if the pupil already
        has a transcript for that year here that is not revoked. ``Idempotency-Key``
        makes a retry replay the first answer.
        """
        return drafting.create_draft(current_actor(), school_id, data)

    @auth_required
    @blp.arguments(TranscriptQueryArgsSchema, location="query")
    @blp.response(200, page_schema(TranscriptSchema))
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any], school_id: uuid.UUID) -> Page[Transcript]:
        """List the school's transcripts (its staff).

        For a teacher or the principal acting for the school (403 otherwise). Lists
        transcripts in every state, drafts included, or only those with ``status``;
        newest first, a page of ``limit`` at a time (``cursor`` from the previous
        page's ``next_cursor``, which is null on the last page).
        """
        return transcripts.list_for_school(
            current_actor(), school_id, args.pop("status"), **args
        )


def _school(school_id: uuid.UUID) -> Organisation:
    """The school of a public key document (deregistered ones too: their keys still
    verify what they signed), or 404."""
    school = db.session.get(Organisation, school_id)
    if school is None or school.kind is not OrganisationKind.SCHOOL:
        raise NotFound()
    return school


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
        },
        404: {"$ref": "#/components/responses/NOT_FOUND"},
    },
)
def school_jwks(school_id: uuid.UUID) -> Response:
    """Read the school's public keys (issuer and teachers).

    Public, no token. Each worker keeps the answer ``PUBLIC_CACHE_SECONDS`` (30 s
    by default) and sends that ``max-age``: a new or withdrawn key shows within it
    (this service's own verifier reads the keys' lives from the database each
    time). 404 when the id is not a registered school's.
    """
    return public_json(functools.partial(_published_keys, school_id))


def _published_keys(school_id: uuid.UUID) -> dict[str, Any]:
    _school(school_id)
    return keys.school_jwks(school_id)


@blp.route("/schools/<uuid:school_id>/did.json")
@blp.doc(
    summary="Read the school's DID document (did:web): its keys as verification "
    "methods, for generic verifiers.",
    description="The school's issuer identifier is did:web:{host}:api:v1:schools:"
    "{school_id}; did:web resolves it to this document. A credential's kid is a DID "
    "URL naming one of these keys.",
    responses={
        200: {
            "description": "DID document",
            "content": {"application/did+json": {"schema": {"type": "object"}}},
        },
        404: {"$ref": "#/components/responses/NOT_FOUND"},
    },
)
def school_did_document(school_id: uuid.UUID) -> Response:
    _school(school_id)
    document = keys.did_document(
        school_id, credentials.issuer_did(school_id), credentials.issuer_id(school_id)
    )
    response = Response(json.dumps(document), mimetype="application/did+json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


#: SD-JWT VC §5: the metadata of an issuer identified by a URL is found by
#: inserting ``/.well-known/jwt-vc-issuer`` before the URL's path.
issuer_metadata_blp = Blueprint(
    "school_issuer_metadata",
    __name__,
    url_prefix="/.well-known/jwt-vc-issuer",
    description="Where generic SD-JWT VC verifiers find a school's keys.",
)


@issuer_metadata_blp.route("/api/v1/schools/<uuid:school_id>")
@issuer_metadata_blp.doc(
    summary="Read a school's JWT VC Issuer Metadata: its issuing keys.",
    responses={
        200: {
            "description": "JWT VC Issuer Metadata",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        404: {"$ref": "#/components/responses/NOT_FOUND"},
    },
)
def school_issuer_metadata(school_id: uuid.UUID) -> Response:
    """Read a school's JWT VC Issuer Metadata: its issuing keys.

    Public, no token. ``issuer`` is the school's URL, the ``iss`` of its
    transcripts in SD-JWT VC format and of its Token Status List; ``jwks`` its
    own keys, retired ones included (they verify what they signed), its
    teachers' and withdrawn keys left out (a generic verifier would accept any
    key listed). Cached ``PUBLIC_CACHE_SECONDS``. 404 unless a school's.
    """
    return public_json(functools.partial(_issuer_metadata, school_id))


def _issuer_metadata(school_id: uuid.UUID) -> dict[str, Any]:
    _school(school_id)
    return {
        "issuer": credentials.issuer_id(school_id),
        "jwks": keys.issuer_jwks(school_id),
    }


@blp.route("/status-lists/<uuid:list_id>")
@blp.doc(
    summary="Read a school's status list (a signed BitstringStatusListCredential).",
    responses={**_JWT, 404: {"$ref": "#/components/responses/NOT_FOUND"}},
)
def status_list(list_id: uuid.UUID) -> Response:
    """Read a school's status list (a signed BitstringStatusListCredential).

    Public, no token: the list a credential's ``credentialStatus`` names. A set bit
    means the transcript at that (random) position is revoked or suspended, as the
    list's ``statusPurpose`` says. Signed with the school's active key; cacheable
    for five minutes (``Cache-Control: public, max-age=300``, the list's ``ttl``),
    and the server serves one signature again for up to a minute while the bits and
    the key are unchanged. 404 for an unknown list.
    """
    found = db.session.get(StatusList, list_id)
    if found is None:
        raise NotFound()
    signed = rendering.signed_status_list(found)
    response = Response(signed, mimetype="application/vc+jwt")
    response.headers["Cache-Control"] = (
        f"public, max-age={credentials.STATUS_TTL_MS // 1000}"
    )
    return response


@blp.route("/schools/<uuid:school_id>/token-status-list")
@blp.doc(
    summary="Read the school's Token Status List (statuslist+jwt), for SD-JWT VCs.",
    responses={
        200: {
            "description": "A Status List Token",
            "content": {"application/statuslist+jwt": {"schema": {"type": "string"}}},
        },
        404: {"$ref": "#/components/responses/NOT_FOUND"},
    },
)
def token_status_list(school_id: uuid.UUID) -> Response:
    """Read the school's Token Status List (statuslist+jwt), for SD-JWT VCs.

    Public, no token: what the ``status.status_list.uri`` of a transcript in
    SD-JWT VC format names. Two bits per transcript at the same positions as the
    Bitstring Status Lists: ``0`` valid, ``1`` revoked, ``2`` suspended. Signed
    with the school's active key (``iss`` the school's URL); ``ttl`` and
    ``Cache-Control`` say five minutes, ``exp`` a day. 404 when the id is not a
    school's.
    """
    _school(school_id)
    response = Response(
        token_status.status_list_token(school_id),
        mimetype="application/statuslist+jwt",
    )
    response.headers["Cache-Control"] = f"public, max-age={token_status.TTL_SECONDS}"
    return response


@blp.route("/transcripts/<uuid:transcript_id>")
class TranscriptById(MethodView):
    @auth_required
    @blp.response(200, TranscriptSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(self, transcript_id: uuid.UUID) -> tuple[Transcript, dict[str, str]]:
        """Read a transcript (its school's staff; once issued, the pupil, guardian or
        consented org). Its ``ETag`` names this version: a signature names it back.

        A teacher or the principal acting for its school reads it in any state. Anyone
        else sees it only once published or revoked: the pupil, a guardian of a pupil
        under 14, or an organisation under a consent covering ``transcripts`` whose
        data period includes it; a guardian's or an organisation's read is written to
        the pupil's access log. A draft, or a transcript outside the consent's period,
        is 404; no basis is 403 ``consent-required``. Send the ``ETag`` as ``If-Match``
        to ``POST /transcripts/{id}/sign``.
        """
        transcript = transcripts.readable(current_actor(), transcript_id)
        return transcript, {"ETag": quote_etag(signing.version_tag(transcript))}

    @auth_required
    @blp.arguments(TranscriptUpdateSchema)
    @blp.response(200, TranscriptSchema)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def put(self, data: dict[str, Any], transcript_id: uuid.UUID) -> Transcript:
        """Edit a draft (signed transcripts are frozen).

        For a teacher or the principal acting for the transcript's school (403
        otherwise). ``content`` replaces the whole content and is checked as when
        drafting (422); ``class_name``, if given, must be a class of that grade the
        pupil is enrolled in that year (422). Only a ``draft`` changes: after the
        homeroom teacher's signature it is 409 ``transcript-state-conflict`` (with
        ``current_status``). An edit changes the ``ETag``, so a signature of an earlier
        read is refused (412).
        """
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
            """Revoke, suspend or reinstate a published transcript (the principal).

            Only the principal acting for the transcript's school (403 otherwise),
            with a level-2 login at most five minutes old (else 401 with a step-up
            challenge). Revoking or suspending sets the transcript's bit in the
            school's revocation or suspension status list, which verifiers check;
            lifting a suspension clears it. A revocation is final. ``reason`` is kept
            as ``revocation_reason`` or ``suspension_reason``; lifting clears the
            latter. 409 ``transcript-state-conflict`` unless the transcript is
            published and, to suspend or lift, not already in that state.
            """
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
        """Start a correction: a new draft that replaces this transcript once published.

        For a teacher or the principal acting for the transcript's school (403
        otherwise), of a ``published`` transcript only, suspended or not (else 409
        ``transcript-state-conflict``). The draft copies the year, grade, class and
        content, and names the original in ``replaces_id``; the original stays in
        force until the correction is published, then is revoked as ``superseded``.
        The pupil must still be enrolled in that class (422). 409
        ``transcript-exists`` (with ``transcript_id``) while another correction of it
        is under way.
        """
        return drafting.start_correction(current_actor(), transcript_id)


@blp.route("/transcripts/<uuid:transcript_id>/credential")
class TranscriptCredential(MethodView):
    @auth_required
    @blp.response(200, CredentialSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def get(self, transcript_id: uuid.UUID) -> transcripts.ExportedCredential:
        """Download the transcript as a verifiable credential (vc+jwt); logged.

        For whoever may read the transcript (``GET /transcripts/{id}``), as an export:
        an organisation's consent must allow exports (a view-only one is 403
        ``consent-required``, reason ``view-only``). Each download is written to the
        audit log (``transcript.exported``) and, for a guardian or a consented
        organisation, to the pupil's access log. Gives the JWT, its SHA-256
        ``digest`` and the ``verify_url`` its QR code opens. 404 until published; a
        revoked transcript's credential is still given, and fails the verifier's
        status check.
        """
        return transcripts.export_credential(current_actor(), transcript_id)


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
    """Download the transcript as a PDF whose QR code opens the verifier; logged.

    The same callers, refusals and logging as ``GET /transcripts/{id}/credential``
    (the audit record's ``kind`` is ``pdf``). The PDF, in Vietnamese, prints the
    transcript and a QR code of the verify page's URL with the transcript id and
    the credential's SHA-256, so whoever holds the paper can check it. Sent as the
    attachment ``hoc-ba-{school_year}.pdf`` with ``Cache-Control: private,
    no-store``.
    """
    transcript, _ = transcripts.exported(current_actor(), transcript_id, "pdf")
    response = Response(
        rendering.transcript_pdf(transcript), mimetype="application/pdf"
    )
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
        """List a pupil's issued transcripts: mine, my child's, or under consent.

        ``subject`` is a citizen id or ``me`` (404 for an unknown citizen). For the
        pupil, a guardian of a pupil under 14, or an organisation under a consent
        covering ``transcripts`` (then only those inside its data period; a school's
        own staff need one too); anyone else gets 403 ``consent-required``. Every
        read or refusal but the pupil's own is written to the pupil's access log.
        Published and revoked transcripts only, newest first, paged with ``cursor``
        and ``limit``.
        """
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
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    def post(self, data: dict[str, Any]) -> report.Verification:
        """Verify a transcript credential (anyone): cryptographic, status, trust, semantic.

        When both signatures hold under a registered school's keys, the answer carries
        the signed content (every grade, the year results, the signers) so that a reader
        can compare it with a paper copy; otherwise no claim of the credential at all.
        """
        token = data.get("credential")
        if token is None:
            token = transcripts.printed_credential(
                data["transcript_id"], data["digest"]
            )
        return report.answer(
            verification.verify(token, DatabaseResolver()),
            transcripts.correction_in_force,
        )
