"""Signing a transcript: the class's homeroom teacher signs a draft, then a
principal of the school — another person — signs, which publishes it.

Staff act for their school through ``act-as``. A signature applies to the version
the signer read (:func:`version_tag`), and only once the school year's results are
known; the pupil must still be enrolled in the transcript's class and grade.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime

from app import audit
from app.auth import Actor
from app.date_fields import LOCAL_TIMEZONE
from app.db import utcnow
from app.errors import Conflict, Forbidden
from identity.models import Role
from school_records import credentials, publishing
from school_records.models import (
    SchoolClass,
    Transcript,
    TranscriptStatus,
    results_known_from,
)
from school_records.policies import STAFF, can_sign_as_homeroom, require, require_staff
from school_records.transcripts import class_of, get, state_conflict


class EnrolmentMismatch(Conflict):
    slug = "enrolment-mismatch"


class SchoolYearNotOver(Conflict):
    slug = "school-year-not-over"


class NotHomeroomTeacher(Forbidden):
    slug = "not-homeroom-teacher"


class SignerNotDistinct(Forbidden):
    slug = "signer-not-distinct"


def _enrolled_class(transcript: Transcript) -> SchoolClass:
    """The class the transcript is for, while the pupil is still enrolled in it."""
    school_class = class_of(transcript, transcript.class_name)
    if school_class is None:
        raise EnrolmentMismatch()
    return school_class


def version_tag(transcript: Transcript) -> str:
    """The tag of what a signer reads: it changes with the content, the class, the
    state and the signatures, so a signature applies to the version that was read."""
    signed_over = {
        "id": str(transcript.id),
        "status": transcript.status.value,
        "suspended": transcript.suspended,
        "pupil_id": str(transcript.pupil_id),
        "school_year": transcript.school_year,
        "grade": transcript.grade,
        "class_name": transcript.class_name,
        "content": transcript.content,
        "homeroom_teacher_id": str(transcript.homeroom_teacher_id),
    }
    return hashlib.sha256(credentials.canonical(signed_over)).hexdigest()[:32]


def _sign_as_homeroom(actor: Actor, transcript: Transcript, now: datetime) -> None:
    require(
        can_sign_as_homeroom(actor, _enrolled_class(transcript)), NotHomeroomTeacher
    )
    transcript.homeroom_teacher_id = actor.citizen_id
    transcript.homeroom_signed_at = now
    transcript.homeroom_proof = credentials.homeroom_proof(transcript, actor.citizen_id)
    transcript.status = TranscriptStatus.HOMEROOM_SIGNED
    audit.record(
        "transcript.homeroom_signed",
        "success",
        actor_id=actor.citizen_id,
        details={"transcript": str(transcript.id)},
    )


def sign(
    actor: Actor, transcript_id: uuid.UUID, *, read: Callable[[str], None]
) -> Transcript:
    """The class's homeroom teacher signs a draft; then a principal of the school,
    another person, signs and publishes it. The pupil must still be enrolled in the
    transcript's class and grade that year.

    :param read: told the current :func:`version_tag` once the transcript is locked;
        it refuses (raises) unless the signer read that version.
    """
    transcript = get(transcript_id, lock=True)
    role = require_staff(actor, transcript.school_id, STAFF)
    read(version_tag(transcript))
    now = utcnow()
    signable_from = results_known_from(transcript.school_year)
    if now.astimezone(LOCAL_TIMEZONE).date() < signable_from:
        raise SchoolYearNotOver(extra={"signable_from": signable_from.isoformat()})
    if role == Role.TEACHER and transcript.status == TranscriptStatus.DRAFT:
        _sign_as_homeroom(actor, transcript, now)
        return transcript
    if role == Role.PRINCIPAL and transcript.status == TranscriptStatus.HOMEROOM_SIGNED:
        _enrolled_class(transcript)
        if actor.citizen_id == transcript.homeroom_teacher_id:
            raise SignerNotDistinct()
        publishing.publish(actor, transcript)
        return transcript
    raise state_conflict(transcript)
