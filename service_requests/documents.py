"""A dossier's documents: uploads, or digitised data reused instead (once-only).

A citizen may attach data the province already holds about them, or about a child
in their care — their identity from the register, a published transcript, the
vaccination history of the health book — in place of a scanned copy. Whether they
may is decided by the same policy as any read of theirs; a record that is not
theirs is refused exactly like one that does not exist. The handling agency then
reads what was attached, and each such read lands in the subject's access log
with the basis ``dossier``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Final

from app.auth import Actor
from app.db import utcnow
from app.extensions import db
from consent import policies
from consent.models import Basis
from consent.vocabulary import Category
from health_book import services as health_book
from identity import services as identity_services
from identity.models import Citizen
from school_records import transcripts as school_records
from service_requests import uploads
from service_requests.models import DocumentSource, Dossier, DossierDocument, Upload

#: The consent category each kind of reused data belongs to.
CATEGORY: Final = {
    DocumentSource.IDENTITY: Category.IDENTITY_FULL,
    DocumentSource.TRANSCRIPT: Category.TRANSCRIPTS,
    DocumentSource.IMMUNIZATIONS: Category.IMMUNIZATIONS,
}

UNKNOWN_DOCUMENT_ERROR: Final = "Unknown document for this procedure."
DUPLICATE_DOCUMENT_ERROR: Final = "This document was already given."
ONE_SOURCE_ERROR: Final = "Give exactly one of upload_id and reference."
NO_UPLOAD_ERROR: Final = "No upload of yours that is not yet attached has this id."
NOT_YOURS_ERROR: Final = (
    "No digitised record of yours or of a child in your care has this id."
)


@dataclass(frozen=True)
class Reused:
    """Digitised data as it is handed over: whose it is and what it says."""

    subject_id: uuid.UUID
    data: dict[str, Any]

    @property
    def sha256(self) -> str:
        canonical = json.dumps(
            self.data, sort_keys=True, ensure_ascii=False, default=str
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def reused_data(source: DocumentSource, reference_id: uuid.UUID) -> Reused | None:
    """What a reference points at, if it exists and is in force."""
    if source == DocumentSource.TRANSCRIPT:
        transcript = school_records.published(reference_id)
        if transcript is None:
            return None
        return Reused(
            transcript.pupil_id,
            {
                "transcript_id": str(transcript.id),
                "school": transcript.school.name,
                "school_code": transcript.school.code,
                "school_year": transcript.school_year,
                "grade": transcript.grade,
                "class_name": transcript.class_name,
                "content": transcript.content,
                "credential": transcript.credential,
            },
        )
    citizen = db.session.get(Citizen, reference_id)
    if citizen is None:
        return None
    if source == DocumentSource.IDENTITY:
        view = identity_services.identity_view(citizen, full=True)
        return Reused(citizen.id, {key: str(value) for key, value in view.items()})
    doses = health_book.shared_records(Category.IMMUNIZATIONS, citizen.id)
    return Reused(
        citizen.id,
        {
            "citizen_id": str(citizen.id),
            "immunizations": [
                {
                    "date": dose.record_date.isoformat(),
                    "vaccine_code": dose.vaccine_code,
                    "vaccine_name": dose.vaccine_name,
                    "dose_number": dose.dose_number,
                    "programme": dose.programme.value,
                }
                for dose in doses
            ],
        },
    )


def _may_hand_over(actor: Actor, source: DocumentSource, reused: Reused) -> bool:
    """The citizen themself, or a guardian of a child under 14."""
    decision = policies.decide(
        actor, reused.subject_id, CATEGORY[source], action="read"
    )
    return decision.allowed and decision.basis in (Basis.SELF, Basis.GUARDIAN)


def _source(
    item: dict[str, Any], spec: dict[str, Any], where: str, errors: dict[str, list[str]]
) -> DocumentSource | None:
    """Where the item's document comes from: an upload or one kind of reference
    (``None``, with the reason added to ``errors``, if neither fits)."""
    upload_id = item.get("upload_id")
    reference: dict[str, Any] = item.get("reference") or {}
    if (upload_id is None) == (not reference):
        errors[where] = [ONE_SOURCE_ERROR]
        return None
    source = (
        DocumentSource.UPLOAD
        if upload_id is not None
        else DocumentSource(reference["kind"])
    )
    if source.value not in spec["sources"]:
        field = f"{where}.upload_id" if upload_id else f"{where}.reference.kind"
        errors[field] = [f"Must be one of: {', '.join(spec['sources'])}."]
        return None
    return source


def _uploaded(
    actor: Actor,
    item: dict[str, Any],
    where: str,
    errors: dict[str, list[str]],
    *,
    in_supplement: bool,
) -> tuple[DossierDocument, Upload] | None:
    upload = uploads.attachable(actor, item["upload_id"])
    if upload is None:
        errors[f"{where}.upload_id"] = [NO_UPLOAD_ERROR]
        return None
    document = DossierDocument(
        code=item["code"],
        source=DocumentSource.UPLOAD,
        upload_id=upload.id,
        sha256=upload.sha256,
        in_supplement=in_supplement,
    )
    return document, upload


def _referenced(
    actor: Actor,
    item: dict[str, Any],
    source: DocumentSource,
    where: str,
    errors: dict[str, list[str]],
    *,
    in_supplement: bool,
) -> DossierDocument | None:
    reference_id = item["reference"]["id"]
    reused = reused_data(source, reference_id)
    if reused is None or not _may_hand_over(actor, source, reused):
        errors[f"{where}.reference.id"] = [NOT_YOURS_ERROR]
        return None
    return DossierDocument(
        code=item["code"],
        source=source,
        reference_id=reference_id,
        subject_id=reused.subject_id,
        sha256=reused.sha256,
        in_supplement=in_supplement,
    )


def attach(
    actor: Actor,
    dossier: Dossier,
    items: list[dict[str, Any]],
    *,
    in_supplement: bool = False,
) -> dict[str, list[str]]:
    """Attach ``items`` to ``dossier``; return the errors by field (nothing on error).

    Each item names a document of the procedure and either an ``upload_id`` of the
    caller's or a ``reference`` (``kind``, ``id``) to digitised data.
    """
    specs = {spec["code"]: spec for spec in dossier.procedure.documents}
    errors: dict[str, list[str]] = {}
    documents: list[DossierDocument] = []
    attached: list[Upload] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"documents.{index}"
        spec = specs.get(item["code"])
        if spec is None:
            errors[f"{where}.code"] = [UNKNOWN_DOCUMENT_ERROR]
            continue
        if item["code"] in seen:
            errors[f"{where}.code"] = [DUPLICATE_DOCUMENT_ERROR]
            continue
        # Counted as given even if refused below: a second item for it is a duplicate.
        seen.add(item["code"])
        source = _source(item, spec, where, errors)
        if source is None:
            continue
        if source == DocumentSource.UPLOAD:
            uploaded = _uploaded(
                actor, item, where, errors, in_supplement=in_supplement
            )
            if uploaded is None:
                continue
            documents.append(uploaded[0])
            attached.append(uploaded[1])
            continue
        document = _referenced(
            actor, item, source, where, errors, in_supplement=in_supplement
        )
        if document is not None:
            documents.append(document)
    required = [code for code, spec in specs.items() if spec["required"]]
    missing = [code for code in required if code not in seen]
    if missing and not in_supplement:
        errors["documents"] = [f"Required documents missing: {', '.join(missing)}."]
    if errors:
        return errors
    now = utcnow()
    for upload in attached:
        upload.attached_at = now
    for document in documents:
        dossier.documents.append(document)
    return {}


@dataclass(frozen=True)
class ReusedData:
    """A reference's data as it is now, beside what was attached."""

    source: str
    attached_sha256: str
    #: The record still exists and is in force (a transcript not revoked…).
    in_force: bool
    unchanged: bool
    data: dict[str, Any] | None


def read_reused(actor: Actor, document: DossierDocument) -> ReusedData:
    """The data behind a reference, as it is now, and whether it changed since.

    Decided by the consent policy: the handling agency reads on the basis of the
    dossier (logged in the subject's access log), the applicant as any read of
    theirs (a child's data only while they are still its guardian).
    """
    if document.reference_id is None or document.subject_id is None:
        raise ValueError("not a reference")
    policies.authorize_reuse(
        actor,
        document.subject_id,
        CATEGORY[document.source],
        document.dossier.agency_id,
    )
    reused = reused_data(document.source, document.reference_id)
    return ReusedData(
        source=document.source.value,
        attached_sha256=document.sha256,
        in_force=reused is not None,
        unchanged=reused is not None and reused.sha256 == document.sha256,
        data=reused.data if reused is not None else None,
    )
