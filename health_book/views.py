"""Composite views of the book: the summary and the emergency summary."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from app.auth import Actor
from app.errors import Problem
from app.extensions import db
from consent import policies
from consent.vocabulary import Category
from health_book import schemas, services
from health_book.models import (
    Allergy,
    ClinicalStatus,
    Condition,
    HealthProfile,
    Immunization,
    MedicationRequest,
    MedicationStatus,
)
from identity.models import Citizen

SECTION_SIZE = 5
SCHEMAS: dict[Category, ma.Schema] = {
    Category.ALLERGIES: schemas.AllergySchema(),
    Category.CONDITIONS: schemas.ConditionSchema(),
    Category.IMMUNIZATIONS: schemas.ImmunizationSchema(),
    Category.ENCOUNTERS: schemas.EncounterSchema(),
    Category.MEDICATIONS: schemas.MedicationSchema(),
    Category.OBSERVATIONS: schemas.ObservationSchema(),
}


def summary(actor: Actor, subject: Citizen) -> dict[str, Any]:
    """The latest records of every category the caller may read.

    Each category is decided (and logged) on its own; categories refused are simply
    absent. If none is readable the whole summary is refused, with the most telling
    of the refusals.
    """
    sections: dict[str, dict[str, Any]] = {}
    refusal: Problem | None = None
    readable_observations: services.Window | None = None
    for category, model in services.MODELS.items():
        try:
            seen = services.window(actor, subject, category)
        except (policies.ConsentRequired, policies.ConsentFrequencyExceeded) as refused:
            refusal = policies.more_telling(refusal, refused)
            continue
        if category == services.PROFILE_CATEGORY:
            readable_observations = seen
        rows = list(
            db.session.scalars(
                services.visible(model, subject.id, seen)
                .order_by(model.record_date.desc(), model.id.desc())
                .limit(SECTION_SIZE + 1)
            )
        )
        sections[category.value] = {
            "items": SCHEMAS[category].dump(rows[:SECTION_SIZE], many=True),
            "more": len(rows) > SECTION_SIZE,
        }
    if not sections and refusal is not None:
        raise refusal
    profile = None
    if readable_observations is not None:
        current = db.session.scalar(
            services.visible(HealthProfile, subject.id, readable_observations)
        )
        profile = schemas.ProfileSchema().dump(current) if current else None
    return {"subject_id": subject.id, "profile": profile, "sections": sections}


def emergency_summary(
    actor: Actor, subject: Citizen, action: str = "read"
) -> dict[str, Any]:
    """Allergies, blood group, active conditions, current medications, immunizations.

    Readable by the citizen and their guardian, under a consent for
    ``emergency_summary``, or by a doctor inside an emergency-access window.
    Sensitive conditions are included: an emergency team needs them. ``action``
    is ``export`` for the FHIR document, which a consent must allow storing.
    """
    seen = services.window(actor, subject, Category.EMERGENCY_SUMMARY, action=action)

    def current(model: type[Any], *conditions: Any) -> list[Any]:
        statement = services.visible(model, subject.id, seen).where(*conditions)
        return list(db.session.scalars(statement.order_by(model.record_date.desc())))

    profile = db.session.scalar(services.visible(HealthProfile, subject.id, seen))
    return {
        "subject_id": subject.id,
        "blood_group": profile.blood_group if profile else None,
        "allergies": current(Allergy),
        "active_conditions": current(
            Condition,
            Condition.clinical_status.in_(
                [
                    ClinicalStatus.ACTIVE,
                    ClinicalStatus.RECURRENCE,
                    ClinicalStatus.RELAPSE,
                ]
            ),
        ),
        "current_medications": current(
            MedicationRequest, MedicationRequest.status == MedicationStatus.ACTIVE
        ),
        "immunizations": current(Immunization),
    }
