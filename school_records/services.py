"""The life of a transcript: draft, homeroom signature, principal signature and
publication, suspension, revocation, correction; and who may read it.

Staff act for their school through ``act-as``: a teacher (or the principal)
drafts for a pupil enrolled in that class and grade that year (``register``), the
class's homeroom teacher signs, then a principal — another person — signs for the
school, which publishes the credential. Only the principal revokes or suspends. A
correction is a new draft that, once published, revokes the one it replaces
("superseded"); at most one transcript per pupil, school year and school is in
force, and at most one is on its way, which the database enforces too.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from app import audit
from app.auth import Actor
from app.date_fields import LOCAL_TIMEZONE
from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed, flatten_messages
from app.extensions import db
from app.pagination import Page, paginate
from consent import policies
from consent.vocabulary import Category
from identity import services as identity_services
from identity.models import Citizen, OrganisationKind, Role
from school_records import content as transcript_content
from school_records import credentials, events, register
from school_records.models import (
    STATUS_LIST_BITS,
    SchoolClass,
    StatusList,
    StatusPurpose,
    Transcript,
    TranscriptStatus,
    results_known_from,
)
from school_records.policies import (
    PRINCIPAL,
    STAFF,
    can_sign_as_homeroom,
    is_staff_of,
    require,
    require_staff,
)

#: One answer for every pupil a draft may not be for, whoever they are (or are not).
NOT_ENROLLED_ERROR = (
    "No pupil enrolled in this class and grade for this school year matches."
)
CLASS_ERROR = "The pupil is not enrolled in this class for this school year."


class TranscriptStateConflict(Conflict):
    slug = "transcript-state-conflict"


class TranscriptExists(Conflict):
    slug = "transcript-exists"


class EnrolmentMismatch(Conflict):
    slug = "enrolment-mismatch"


class SchoolYearNotOver(Conflict):
    slug = "school-year-not-over"


class NotHomeroomTeacher(Forbidden):
    slug = "not-homeroom-teacher"


class SignerNotDistinct(Forbidden):
    slug = "signer-not-distinct"


def _validated(grade: int, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded = transcript_content.load(raw, grade)
    except ma.ValidationError as error:
        raise ValidationFailed(
            errors=flatten_messages(error.messages, "content")
        ) from error
    stated = transcript_content.to_json(loaded)
    contradictions = transcript_content.consistency_errors(stated, grade)
    if contradictions:
        raise ValidationFailed(
            errors={
                f"content.{path}": messages for path, messages in contradictions.items()
            }
        )
    return dict(stated)


def _get(transcript_id: uuid.UUID, *, lock: bool = False) -> Transcript:
    statement = sa.select(Transcript).where(Transcript.id == transcript_id)
    transcript = db.session.scalar(statement.with_for_update() if lock else statement)
    if transcript is None:
        raise NotFound()
    return transcript


def _conflict(transcript: Transcript) -> TranscriptStateConflict:
    return TranscriptStateConflict(
        extra={
            "current_status": transcript.status.value,
            "suspended": transcript.suspended,
        }
    )


def create_draft(
    actor: Actor, school_id: uuid.UUID, data: dict[str, Any]
) -> Transcript:
    """A teacher (or the principal) drafts a pupil's transcript for a school year."""
    require_staff(actor, school_id, STAFF)
    school = identity_services.get_organisation(school_id)
    if school.kind != OrganisationKind.SCHOOL:
        raise Forbidden()
    errors = register.grade_errors(school_id, data["grade"])
    enrolled = register.enrolled_class(
        data["pupil_id"],
        school_id,
        data["school_year"],
        grade=data["grade"],
        class_name=data["class_name"],
    )
    if enrolled is None:
        errors["pupil_id"] = [NOT_ENROLLED_ERROR]
    if errors:
        raise ValidationFailed(errors=errors)
    replaces = data.get("replaces_id")
    statement = sa.select(Transcript.id).where(
        Transcript.pupil_id == data["pupil_id"],
        Transcript.school_id == school_id,
        Transcript.school_year == data["school_year"],
        Transcript.status != TranscriptStatus.REVOKED,
    )
    if replaces is not None:  # the transcript being corrected stays live until then
        statement = statement.where(Transcript.id != replaces)
    live = db.session.scalar(statement.limit(1))
    if live is not None:
        raise TranscriptExists(extra={"transcript_id": str(live)})
    transcript = Transcript(
        pupil_id=data["pupil_id"],
        school_id=school_id,
        school_year=data["school_year"],
        grade=data["grade"],
        class_name=data["class_name"],
        regulation=transcript_content.regulation_for(data["grade"]),
        content=_validated(data["grade"], data["content"]),
        created_by=actor.citizen_id,
        replaces_id=replaces,
    )
    with register.refused_as(TranscriptExists()):
        db.session.add(transcript)
    return transcript


def update_draft(
    actor: Actor, transcript_id: uuid.UUID, data: dict[str, Any]
) -> Transcript:
    """Edit a draft (anything signed is frozen)."""
    transcript = _get(transcript_id, lock=True)
    require_staff(actor, transcript.school_id, STAFF)
    if transcript.status != TranscriptStatus.DRAFT:
        raise _conflict(transcript)
    class_name = data.get("class_name", transcript.class_name)
    if _class_of(transcript, class_name) is None:
        raise ValidationFailed(errors={"class_name": [CLASS_ERROR]})
    transcript.class_name = class_name
    transcript.content = _validated(transcript.grade, data["content"])
    return transcript


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


def _class_of(transcript: Transcript, class_name: str) -> SchoolClass | None:
    if register.grade_errors(transcript.school_id, transcript.grade):
        return None
    return register.enrolled_class(
        transcript.pupil_id,
        transcript.school_id,
        transcript.school_year,
        grade=transcript.grade,
        class_name=class_name,
    )


def _enrolled_class(transcript: Transcript) -> SchoolClass:
    """The class the transcript is for, while the pupil is still enrolled in it."""
    school_class = _class_of(transcript, transcript.class_name)
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


def sign(
    actor: Actor, transcript_id: uuid.UUID, *, read: Callable[[str], None]
) -> Transcript:
    """The class's homeroom teacher signs a draft; then a principal of the school,
    another person, signs and publishes it. The pupil must still be enrolled in the
    transcript's class and grade that year.

    :param read: told the current :func:`version_tag` once the transcript is locked;
        it refuses (raises) unless the signer read that version.
    """
    transcript = _get(transcript_id, lock=True)
    role = require_staff(actor, transcript.school_id, STAFF)
    read(version_tag(transcript))
    now = utcnow()
    signable_from = results_known_from(transcript.school_year)
    if now.astimezone(LOCAL_TIMEZONE).date() < signable_from:
        raise SchoolYearNotOver(extra={"signable_from": signable_from.isoformat()})
    if role == Role.TEACHER and transcript.status == TranscriptStatus.DRAFT:
        require(
            can_sign_as_homeroom(actor, _enrolled_class(transcript)), NotHomeroomTeacher
        )
        transcript.homeroom_teacher_id = actor.citizen_id
        transcript.homeroom_signed_at = now
        transcript.homeroom_proof = credentials.homeroom_proof(
            transcript, actor.citizen_id
        )
        transcript.status = TranscriptStatus.HOMEROOM_SIGNED
        audit.record(
            "transcript.homeroom_signed",
            "success",
            actor_id=actor.citizen_id,
            details={"transcript": str(transcript.id)},
        )
        return transcript
    if role == Role.PRINCIPAL and transcript.status == TranscriptStatus.HOMEROOM_SIGNED:
        _enrolled_class(transcript)
        if actor.citizen_id == transcript.homeroom_teacher_id:
            raise SignerNotDistinct()
        _publish(actor, transcript)
        return transcript
    raise _conflict(transcript)


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
    replaced = _get(transcript.replaces_id, lock=True)
    if replaced.status == TranscriptStatus.PUBLISHED:
        _set_status_bit(replaced, StatusPurpose.REVOCATION, True)
        replaced.status = TranscriptStatus.REVOKED
        replaced.revoked_at = utcnow()
        replaced.revocation_reason = "superseded"
        # Before the new one is published: the index allows one in force.
        db.session.flush()


def _publish(actor: Actor, transcript: Transcript) -> None:
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
    events.transcript_published.send(
        transcript, pupil=db.session.get(Citizen, transcript.pupil_id)
    )
    audit.record(
        "transcript.published",
        "success",
        actor_id=actor.citizen_id,
        details={"transcript": str(transcript.id)},
    )


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


def revoke(actor: Actor, transcript_id: uuid.UUID, reason: str) -> Transcript:
    """The principal revokes a published transcript, with a reason."""
    transcript = _get(transcript_id, lock=True)
    require_staff(actor, transcript.school_id, PRINCIPAL)
    if transcript.status != TranscriptStatus.PUBLISHED:
        raise _conflict(transcript)
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
    transcript = _get(transcript_id, lock=True)
    require_staff(actor, transcript.school_id, PRINCIPAL)
    if (
        transcript.status != TranscriptStatus.PUBLISHED
        or transcript.suspended == suspended
    ):
        raise _conflict(transcript)
    _set_status_bit(transcript, StatusPurpose.SUSPENSION, suspended)
    transcript.suspended = suspended
    transcript.suspension_reason = reason if suspended else None
    audit.record(
        "transcript.suspended" if suspended else "transcript.unsuspended",
        "success",
        actor_id=actor.citizen_id,
        details={"transcript": str(transcript.id)},
    )
    return transcript


def start_correction(actor: Actor, transcript_id: uuid.UUID) -> Transcript:
    """A new draft copying a published transcript; publishing it revokes the old."""
    old = _get(transcript_id)
    require_staff(actor, old.school_id, STAFF)
    if old.status != TranscriptStatus.PUBLISHED:
        raise _conflict(old)
    pending = db.session.scalar(
        sa.select(Transcript.id).where(
            Transcript.replaces_id == old.id,
            Transcript.status != TranscriptStatus.REVOKED,
        )
    )
    if pending is not None:
        raise TranscriptExists(extra={"transcript_id": str(pending)})
    data = {
        "pupil_id": old.pupil_id,
        "school_year": old.school_year,
        "grade": old.grade,
        "class_name": old.class_name,
        "content": old.content,
        "replaces_id": old.id,
    }
    return create_draft(actor, old.school_id, data)


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
    transcript = _get(transcript_id)
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
