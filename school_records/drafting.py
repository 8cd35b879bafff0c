"""Drafting a transcript: a teacher (or the principal) drafts for a pupil enrolled in
that class and grade that year, edits the draft until it is signed, or starts a
correction of a published one.

A correction is a new draft that, once published, revokes the one it replaces
("superseded"); at most one transcript per pupil, school year and school is in
force, and at most one is on its way, which the database enforces too.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

import marshmallow as ma
import sqlalchemy as sa

from app.auth import Actor
from app.errors import Forbidden, ValidationFailed, flatten_messages
from app.extensions import db
from identity import services as identity_services
from identity.models import OrganisationKind
from school_records import consistency, register
from school_records import content as transcript_content
from school_records.models import Transcript, TranscriptStatus
from school_records.policies import STAFF, require_staff
from school_records.transcripts import (
    TranscriptExists,
    class_of,
    get,
    state_conflict,
)

#: One answer for every pupil a draft may not be for, whoever they are (or are not).
NOT_ENROLLED_ERROR: Final = (
    "No pupil enrolled in this class and grade for this school year matches."
)
CLASS_ERROR: Final = "The pupil is not enrolled in this class for this school year."


def _validated(grade: int, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded = transcript_content.load(raw, grade)
    except ma.ValidationError as error:
        raise ValidationFailed(
            errors=flatten_messages(error.messages, "content")
        ) from error
    stated = transcript_content.to_json(loaded)
    contradictions = consistency.consistency_errors(stated, grade)
    if contradictions:
        raise ValidationFailed(
            errors={
                f"content.{path}": messages for path, messages in contradictions.items()
            }
        )
    return dict(stated)


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
    transcript = get(transcript_id, lock=True)
    require_staff(actor, transcript.school_id, STAFF)
    if transcript.status != TranscriptStatus.DRAFT:
        raise state_conflict(transcript)
    class_name = data.get("class_name", transcript.class_name)
    if class_of(transcript, class_name) is None:
        raise ValidationFailed(errors={"class_name": [CLASS_ERROR]})
    transcript.class_name = class_name
    transcript.content = _validated(transcript.grade, data["content"])
    return transcript


def start_correction(actor: Actor, transcript_id: uuid.UUID) -> Transcript:
    """A new draft copying a published transcript; publishing it revokes the old."""
    old = get(transcript_id)
    require_staff(actor, old.school_id, STAFF)
    if old.status != TranscriptStatus.PUBLISHED:
        raise state_conflict(old)
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
