"""A transcript in force and its status: publishing the signed credential, and the
principal's revocation and suspension, kept in the school's status lists.

Each published transcript holds a random position in its school's Bitstring status
lists (herd privacy); revoking or suspending it sets its bit there, which is what a
verifier checks. Publishing a correction revokes the transcript it replaces.
"""

from __future__ import annotations

import secrets
import uuid

import sqlalchemy as sa

from app import audit
from app.auth import Actor
from app.db import utcnow
from app.extensions import db
from identity.models import Citizen
from school_records import credentials, events, register, rendering
from school_records.models import (
    STATUS_LIST_BITS,
    StatusList,
    StatusPurpose,
    Transcript,
    TranscriptStatus,
)
from school_records.policies import PRINCIPAL, require_staff
from school_records.transcripts import TranscriptExists, get, state_conflict


def _allocate_index(school_id: uuid.UUID) -> int:
    """A random free position in the school's status lists (herd privacy)."""
    for _ in range(50):
        index = secrets.randbelow(STATUS_LIST_BITS)
        taken = db.session.scalar(
            sa.select(Transcript.id).where(
                Transcript.school_id == school_id, Transcript.status_list_index == index
            )
        )
        if taken is None:
            return index
    raise RuntimeError(
        "status list nearly full"
    )  # pragma: no cover - 131 072 slots per school


def _set_status_bit(
    transcript: Transcript, purpose: StatusPurpose, value: bool
) -> None:
    lists = credentials.status_lists(transcript.school_id)
    status_list = db.session.scalar(
        sa.select(StatusList)
        .where(StatusList.id == lists[purpose].id)
        .with_for_update()
    )
    if status_list is None or transcript.status_list_index is None:  # pragma: no cover
        raise RuntimeError("a published transcript always has a status list position")
    status_list.bits = credentials.with_bit(
        status_list.bits, transcript.status_list_index, value
    )
    rendering.after_status_change(status_list)


def _supersede(transcript: Transcript) -> None:
    """Revoke what a correction replaces; refuse if another transcript is in force."""
    statement = sa.select(Transcript.id).where(
        Transcript.pupil_id == transcript.pupil_id,
        Transcript.school_id == transcript.school_id,
        Transcript.school_year == transcript.school_year,
        Transcript.status == TranscriptStatus.PUBLISHED,
    )
    if transcript.replaces_id is not None:
        statement = statement.where(Transcript.id != transcript.replaces_id)
    in_force = db.session.scalar(statement.limit(1))
    if in_force is not None:
        raise TranscriptExists(extra={"transcript_id": str(in_force)})
    if transcript.replaces_id is None:
        return
    replaced = get(transcript.replaces_id, lock=True)
    if replaced.status == TranscriptStatus.PUBLISHED:
        _set_status_bit(replaced, StatusPurpose.REVOCATION, True)
        replaced.status = TranscriptStatus.REVOKED
        replaced.revoked_at = utcnow()
        replaced.revocation_reason = "superseded"
        # Before the new one is published: the index allows one in force.
        db.session.flush()


def publish(actor: Actor, transcript: Transcript) -> None:
    """Sign the credential for the school and put the transcript in force.

    Called by :func:`school_records.signing.sign` once the principal has signed;
    the caller has checked who may.
    """
    _supersede(transcript)
    transcript.principal_id = actor.citizen_id
    transcript.published_at = utcnow()
    transcript.status_list_index = _allocate_index(transcript.school_id)
    teacher = db.session.get(Citizen, transcript.homeroom_teacher_id)
    credential = credentials.build_credential(
        transcript, teacher.full_name if teacher else ""
    )
    transcript.credential = credentials.sign_credential(
        transcript.school_id, credential
    )
    with register.refused_as(TranscriptExists()):
        transcript.status = TranscriptStatus.PUBLISHED
    rendering.after_publication(transcript)
    events.transcript_published.send(
        transcript, pupil=db.session.get(Citizen, transcript.pupil_id)
    )
    audit.record(
        "transcript.published",
        "success",
        actor_id=actor.citizen_id,
        details={"transcript": str(transcript.id)},
    )


def revoke(actor: Actor, transcript_id: uuid.UUID, reason: str) -> Transcript:
    """The principal revokes a published transcript, with a reason."""
    transcript = get(transcript_id, lock=True)
    require_staff(actor, transcript.school_id, PRINCIPAL)
    if transcript.status != TranscriptStatus.PUBLISHED:
        raise state_conflict(transcript)
    _set_status_bit(transcript, StatusPurpose.REVOCATION, True)
    transcript.status = TranscriptStatus.REVOKED
    transcript.revoked_at = utcnow()
    transcript.revocation_reason = reason
    audit.record(
        "transcript.revoked",
        "success",
        actor_id=actor.citizen_id,
        details={"transcript": str(transcript.id), "reason": reason},
    )
    return transcript


def set_suspended(
    actor: Actor, transcript_id: uuid.UUID, suspended: bool, reason: str | None
) -> Transcript:
    """The principal suspends a published transcript, or lifts the suspension."""
    transcript = get(transcript_id, lock=True)
    require_staff(actor, transcript.school_id, PRINCIPAL)
    if (
        transcript.status != TranscriptStatus.PUBLISHED
        or transcript.suspended == suspended
    ):
        raise state_conflict(transcript)
    _set_status_bit(transcript, StatusPurpose.SUSPENSION, suspended)
    transcript.suspended = suspended
    transcript.suspension_reason = reason if suspended else None
    audit.record(
        "transcript.suspended" if suspended else "transcript.unsuspended",
        "success",
        actor_id=actor.citizen_id,
        details={"transcript": str(transcript.id), "reason": reason},
    )
    return transcript
