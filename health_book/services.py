"""Use cases of the health book: clinics write, everyone reads through consent.

Every read by anyone but the citizen goes through ``consent.policies`` for each
category read; what the decision allows (its data period, sensitive records) is
applied in the query itself, so nothing filtered out can show up in a page or its
cursor. Hidden records are seen by the citizen (and their guardian) only.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa

from app.auth import Actor
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.pagination import Page, paginate
from consent import policies as consent_policies
from consent.decisions import Decision, Effect, RecordScope
from consent.models import Basis
from consent.vocabulary import Category
from health_book import coding, policies
from health_book.models import (
    Allergy,
    Condition,
    Encounter,
    HealthProfile,
    Immunization,
    MedicationRequest,
    Observation,
    RecordMixin,
)
from identity.models import Citizen

#: Category of consent -> the records it covers.
MODELS: dict[Category, type[Any]] = {
    Category.ALLERGIES: Allergy,
    Category.CONDITIONS: Condition,
    Category.IMMUNIZATIONS: Immunization,
    Category.ENCOUNTERS: Encounter,
    Category.MEDICATIONS: MedicationRequest,
    Category.OBSERVATIONS: Observation,
}
#: The profile (blood group, height, weight, BHYT) is read as an observation.
PROFILE_CATEGORY = Category.OBSERVATIONS


class RecordSuperseded(Conflict):
    slug = "record-superseded"


#: What one decision lets the caller see of one category (decided by consent).
Window = RecordScope


def _derived(model: type[Any], data: dict[str, Any]) -> dict[str, Any]:
    """Fields the server sets itself: sensitivity from the diagnosis code."""
    if model is Condition:
        data["sensitive"] = data.get("sensitive", False) or coding.is_sensitive(
            data["icd10_code"]
        )
    elif model is Encounter:
        data["sensitive"] = data.get("sensitive", False) or coding.is_sensitive(
            data.get("diagnosis_code")
        )
    return data


def add_record(
    actor: Actor, subject: Citizen, model: type[Any], data: dict[str, Any]
) -> Any:
    """Write a record of care the clinic gave (it reads nothing by writing)."""
    policies.require(policies.can_write_records(actor))
    record = model(
        citizen_id=subject.id,
        clinic_id=actor.org_id,
        author_id=actor.citizen_id,
        **_derived(model, data),
    )
    if model is HealthProfile:
        current = _current_profile(subject.id)
        if current is not None:
            current.superseded_at = utcnow()
            record.supersedes_id = current.id
    db.session.add(record)
    db.session.flush()
    return record


def correct_record(
    actor: Actor,
    subject: Citizen,
    model: type[Any],
    record_id: uuid.UUID,
    data: dict[str, Any],
    reason: str,
) -> Any:
    """Supersede a record with a corrected version; both stay in the history."""
    policies.require(policies.can_write_records(actor))
    old = db.session.scalar(
        sa.select(model)
        .where(model.id == record_id, model.citizen_id == subject.id)
        .with_for_update()
    )
    if old is None or old.clinic_id != actor.org_id:
        raise NotFound()  # a clinic corrects only what it wrote
    if old.superseded_at is not None:
        raise RecordSuperseded(extra={"current_status": "superseded"})
    old.superseded_at = utcnow()
    new = model(
        citizen_id=subject.id,
        clinic_id=actor.org_id,
        author_id=actor.citizen_id,
        supersedes_id=old.id,
        correction_reason=reason,
        hidden_at=old.hidden_at,
        **_derived(model, data),
    )
    db.session.add(new)
    db.session.flush()
    return new


def set_hidden(
    actor: Actor, subject: Citizen, model: type[Any], record_id: uuid.UUID, hidden: bool
) -> Any:
    """The citizen (or guardian) hides a record from everyone else, or shows it again."""
    policies.require(policies.can_hide_records(actor, subject))
    record = db.session.scalar(
        sa.select(model).where(model.id == record_id, model.citizen_id == subject.id)
    )
    if record is None:
        raise NotFound()
    # Every version hides together, so a correction cannot resurface it.
    for version in history_chain(model, record):
        version.hidden_at = utcnow() if hidden else None
    return record


def window(
    actor: Actor,
    subject: Citizen,
    category: Category,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    action: str = "read",
) -> Window:
    """Authorize one category (403/429 if refused) and say what may be seen."""
    return consent_policies.authorize_records(
        actor, subject.id, category, date_from=date_from, date_to=date_to, action=action
    )


def visible(model: type[Any], subject_id: uuid.UUID, seen: Window) -> sa.Select[Any]:
    """Current records of one subject that this window shows."""
    return sa.select(model).where(
        model.citizen_id == subject_id,
        model.superseded_at.is_(None),
        *seen.where(model),
    )


#: Reuse in a dossier is not a consent to hidden or sensitive records.
_HANDED_OVER = RecordScope(Decision(Effect.PERMIT, Basis.DOSSIER))


def shared_records(category: Category, subject_id: uuid.UUID) -> list[Any]:
    """Current records of a category that a citizen may hand to an organisation.

    Hidden and sensitive records stay out: reuse in a dossier is not a consent to
    them. The caller decides and logs the read.
    """
    model = MODELS[category]
    return list(
        db.session.scalars(
            visible(model, subject_id, _HANDED_OVER).order_by(model.record_date)
        )
    )


def list_records(
    actor: Actor,
    subject: Citizen,
    category: Category,
    *,
    date_from: date | None,
    date_to: date | None,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
    """One category of the book, newest first, as the caller may see it."""
    model = MODELS[category]
    seen = window(actor, subject, category, date_from, date_to)
    return paginate(
        visible(model, subject.id, seen),
        sort=model.record_date,
        id_column=model.id,
        cursor=cursor,
        limit=limit,
    )


def history_chain(model: type[Any], record: RecordMixin) -> list[Any]:
    """Every version of a record, oldest first."""
    root: Any = record
    while root.supersedes_id is not None:
        root = db.session.get(model, root.supersedes_id)
    versions = [root]
    while True:
        nxt = db.session.scalar(
            sa.select(model).where(model.supersedes_id == versions[-1].id)
        )
        if nxt is None:
            return versions
        versions.append(nxt)


def record_history(
    actor: Actor, subject: Citizen, category: Category, record_id: uuid.UUID
) -> list[Any]:
    """The versions of one record that the caller may see, oldest first.

    Each version is selected through the consent decision like a current record
    (period, sensitivity, hidden): a superseded version the caller's consent
    excludes is left out, and asking for an excluded version by its id is a 404.
    """
    model = MODELS[category]
    seen = window(actor, subject, category)
    record = db.session.scalar(
        sa.select(model).where(model.id == record_id, model.citizen_id == subject.id)
    )
    if record is None:
        raise NotFound()
    chain = history_chain(model, record)
    shown = set(
        db.session.scalars(
            sa.select(model.id).where(
                model.id.in_([version.id for version in chain]),
                model.citizen_id == subject.id,
                *seen.where(model),
            )
        )
    )
    if chain[-1].id not in shown or record.id not in shown:
        raise NotFound()
    return [version for version in chain if version.id in shown]


def _current_profile(citizen_id: uuid.UUID) -> HealthProfile | None:
    return db.session.scalar(
        sa.select(HealthProfile).where(
            HealthProfile.citizen_id == citizen_id,
            HealthProfile.superseded_at.is_(None),
        )
    )


def profile(actor: Actor, subject: Citizen) -> HealthProfile | None:
    """The current profile, if the caller may read observations."""
    seen = window(actor, subject, PROFILE_CATEGORY)
    current: HealthProfile | None = db.session.scalar(
        visible(HealthProfile, subject.id, seen)
    )
    return current
