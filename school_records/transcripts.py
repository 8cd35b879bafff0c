"""Transcripts read back, and who may read them: a school's list for its staff, a
pupil's issued transcripts, one transcript, its credential handed out.

Staff read their school's transcripts in any state; anyone else sees one only once
published (or revoked), as the pupil, their guardian, or an organisation under
consent (``transcripts``), and every such read is logged. The helpers every step of
a transcript's life shares (:func:`get`, :func:`state_conflict`, :func:`class_of`)
live here too.
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

import sqlalchemy as sa

from app import audit
from app.auth import Actor
from app.errors import Conflict, NotFound
from app.extensions import db
from app.pagination import Page, paginate
from consent import policies
from consent.vocabulary import Category
from identity.models import Citizen
from school_records import claims, credentials, pdf, register
from school_records.models import SchoolClass, Transcript, TranscriptStatus
from school_records.policies import STAFF, is_staff_of, require_staff


class TranscriptStateConflict(Conflict):
    slug = "transcript-state-conflict"


class TranscriptExists(Conflict):
    slug = "transcript-exists"


def get(transcript_id: uuid.UUID, *, lock: bool = False) -> Transcript:
    """A transcript by id, whoever asks (404 if none); the caller authorizes."""
    statement = sa.select(Transcript).where(Transcript.id == transcript_id)
    transcript = db.session.scalar(statement.with_for_update() if lock else statement)
    if transcript is None:
        raise NotFound()
    return transcript


def state_conflict(transcript: Transcript) -> TranscriptStateConflict:
    """The 409 for a step the transcript's current state does not allow."""
    return TranscriptStateConflict(
        extra={
            "current_status": transcript.status.value,
            "suspended": transcript.suspended,
        }
    )


def class_of(transcript: Transcript, class_name: str) -> SchoolClass | None:
    """The class ``class_name`` of the transcript's school, grade and year, if the
    pupil is enrolled in it."""
    if register.grade_errors(transcript.school_id, transcript.grade):
        return None
    return register.enrolled_class(
        transcript.pupil_id,
        transcript.school_id,
        transcript.school_year,
        grade=transcript.grade,
        class_name=class_name,
    )


def list_for_school(
    actor: Actor,
    school_id: uuid.UUID,
    status: TranscriptStatus | None,
    *,
    cursor: str | None,
    limit: int,
) -> Page[Transcript]:
    """A school's transcripts, for its staff."""
    require_staff(actor, school_id, STAFF)
    statement = sa.select(Transcript).where(Transcript.school_id == school_id)
    if status is not None:
        statement = statement.where(Transcript.status == status)
    return paginate(
        statement,
        sort=Transcript.created_at,
        id_column=Transcript.id,
        cursor=cursor,
        limit=limit,
    )


def readable(
    actor: Actor, transcript_id: uuid.UUID, *, action: str = "read"
) -> Transcript:
    """A transcript for its school's staff, or — once published — for the pupil, their
    guardian, or an organisation under consent (``transcripts``), logged."""
    transcript = get(transcript_id)
    if is_staff_of(actor, transcript.school_id):
        return transcript
    if transcript.status not in (TranscriptStatus.PUBLISHED, TranscriptStatus.REVOKED):
        raise NotFound()
    seen = policies.authorize_records(
        actor, transcript.pupil_id, Category.TRANSCRIPTS, action=action
    )
    # A transcript outside the consent's data period is not shown, as a record is not.
    shown = db.session.scalar(
        sa.select(Transcript.id).where(
            Transcript.id == transcript.id, *seen.where(Transcript)
        )
    )
    if shown is None:
        raise NotFound()
    return transcript


def published(transcript_id: uuid.UUID) -> Transcript | None:
    """A transcript in force (published, not suspended); the caller authorizes."""
    transcript = db.session.get(Transcript, transcript_id)
    if (
        transcript is None
        or transcript.status != TranscriptStatus.PUBLISHED
        or transcript.suspended
    ):
        return None
    return transcript


def list_for_pupil(
    actor: Actor, pupil: Citizen, *, cursor: str | None, limit: int
) -> Page[Transcript]:
    """A pupil's issued transcripts (published or revoked), newest first.

    Others see only the school years inside their consent's data period.
    """
    seen = policies.authorize_records(actor, pupil.id, Category.TRANSCRIPTS)
    statement = sa.select(Transcript).where(
        Transcript.pupil_id == pupil.id,
        Transcript.status.in_([TranscriptStatus.PUBLISHED, TranscriptStatus.REVOKED]),
        *seen.where(Transcript),
    )
    return paginate(
        statement,
        sort=Transcript.created_at,
        id_column=Transcript.id,
        cursor=cursor,
        limit=limit,
    )


def exported(
    actor: Actor, transcript_id: uuid.UUID, kind: str
) -> tuple[Transcript, str]:
    """Hand out the credential (JWT or PDF): an export, always logged."""
    transcript = readable(actor, transcript_id, action="export")
    credential = transcript.credential
    if credential is None:
        raise NotFound()
    audit.record(
        "transcript.exported",
        "success",
        actor_id=actor.citizen_id,
        details={
            "transcript": str(transcript.id),
            "kind": kind,
            "org": str(actor.org_id) if actor.org_id else None,
        },
    )
    return transcript, credential


class ExportedCredential(NamedTuple):
    """A transcript's credential handed out, with what its printed QR code holds."""

    credential: str
    #: SHA-256 of the credential, as the PDF's QR code prints it.
    digest: str
    verify_url: str


def export_credential(actor: Actor, transcript_id: uuid.UUID) -> ExportedCredential:
    """Hand out the credential as a vc+jwt, logged like any export."""
    transcript, credential = exported(actor, transcript_id, "jwt")
    return ExportedCredential(
        credential, pdf.digest(credential), pdf.verify_url(transcript)
    )


def printed_credential(transcript_id: uuid.UUID, digest: str) -> str:
    """The credential a printed QR code names (its transcript and digest), for
    anyone holding the paper; 404 unless both match."""
    stored = db.session.get(Transcript, transcript_id)
    if (
        stored is None
        or stored.credential is None
        or pdf.digest(stored.credential) != digest
    ):
        raise NotFound()
    return stored.credential


def correction_in_force(credential_id: str, issuer: str) -> dict[str, str] | None:
    """The published correction that replaced the transcript of ``credential_id``
    (``urn:uuid:<transcript id>``), as its id and the verify page's link to it —
    only if ``issuer``, the school that signed the credential, issued it.

    Asked only for a credential whose signatures held, so its holder already has
    what the school signed for that pupil and year; the link names the correction
    by id and digest like the QR code printed on it. Another school's credential
    naming this transcript's id (it signs what it likes) is told nothing.
    """
    prefix = "urn:uuid:"
    if not credential_id.startswith(prefix):
        return None
    try:
        replaced_id = uuid.UUID(credential_id.removeprefix(prefix))
    except ValueError:
        return None
    current = db.session.scalar(
        sa.select(Transcript).where(
            Transcript.replaces_id == replaced_id,
            Transcript.status == TranscriptStatus.PUBLISHED,
        )
    )
    if current is None or not claims.same_issuer(
        credentials.issuer_id(current.school_id), issuer
    ):
        return None
    return {"transcript_id": str(current.id), "verify_url": pdf.verify_url(current)}
