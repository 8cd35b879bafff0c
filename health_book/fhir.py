"""The health book as a FHIR R4 document: an International Patient Summary.

A ``Bundle`` of type ``document`` whose first entry is the ``Composition``, with
sections for problems, allergies, medications, immunizations, results and
encounters, followed by every resource they reference (Patient, Organization,
Practitioner, the records) under ``urn:uuid:`` full URLs, so each reference resolves
inside the bundle. Only what the caller may *export* is included: categories
refused (or only viewable) become sections with ``emptyReason`` "withheld", which
says nothing about whether records exist. Exporting under a view-only consent is
refused outright. The resources themselves are :mod:`health_book.fhir_resources`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.auth import Actor
from app.db import utcnow
from app.errors import Problem
from app.extensions import db
from consent import policies
from consent.vocabulary import Category
from health_book import services
from health_book.fhir_resources import (
    LOINC,
    PLATFORM_ID,
    day,
    entry,
    narrative,
    organisation_resource,
    platform_resource,
    practitioner_resource,
    record_resource,
    reference,
    reference_to,
)
from identity.models import Citizen, Organisation

SECTIONS: list[tuple[Category, str, str]] = [
    (Category.CONDITIONS, "11450-4", "Problem list"),
    (Category.ALLERGIES, "48765-2", "Allergies and adverse reactions"),
    (Category.MEDICATIONS, "10160-0", "History of medication use"),
    (Category.IMMUNIZATIONS, "11369-6", "History of immunization"),
    (Category.OBSERVATIONS, "30954-2", "Relevant diagnostic tests/laboratory data"),
    (
        Category.ENCOUNTERS,
        "46240-8",
        "History of hospitalizations and outpatient visits",
    ),
]
_EMPTY = "http://terminology.hl7.org/CodeSystem/list-empty-reason"


def _exportable(actor: Actor, subject: Citizen) -> dict[Category, list[Any]]:
    """The records of each category the caller may export (403 if none may be).

    A refused category is left out, so its section says "withheld"; only when
    every category is refused does a refusal stand: the most telling one, a
    category's that was granted for something else (view only, say) before one
    that was never granted.
    """
    readable: dict[Category, list[Any]] = {}
    refusal: Problem | None = None
    for category, _, _ in SECTIONS:
        try:
            seen = services.window(actor, subject, category, action="export")
        except (policies.ConsentRequired, policies.ConsentFrequencyExceeded) as refused:
            refusal = policies.more_telling(refusal, refused)
            continue
        model = services.MODELS[category]
        readable[category] = list(
            db.session.scalars(
                services.visible(model, subject.id, seen).order_by(
                    model.record_date.desc()
                )
            )
        )
    if not readable and refusal is not None:
        raise refusal
    return readable


def _section(
    code: str, title: str, records: list[Any] | None, entries: list[dict[str, str]]
) -> dict[str, Any]:
    """One Composition section: its records' references, or why it is empty."""
    section: dict[str, Any] = {
        "title": title,
        "code": {"coding": [{"system": LOINC, "code": code, "display": title}]},
    }
    if records is None:
        section["emptyReason"] = {"coding": [{"system": _EMPTY, "code": "withheld"}]}
        section["text"] = narrative("Withheld / Không được chia sẻ")
    elif not records:
        section["emptyReason"] = {"coding": [{"system": _EMPTY, "code": "nilknown"}]}
        section["text"] = narrative("None known / Không có")
    else:
        section["entry"] = entries
        section["text"] = narrative(f"{len(records)} record(s)")
    return section


def _cited(records: list[Any]) -> list[dict[str, Any]]:
    """Entries for the clinics and authors of ``records``, then the platform."""
    organisations = {record.clinic_id for record in records}
    practitioners = {record.author_id for record in records}
    clinics = db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(organisations))
    )
    authors = db.session.scalars(
        sa.select(Citizen).where(Citizen.id.in_(practitioners))
    )
    return [
        *(entry(organisation_resource(org)) for org in clinics),
        *(entry(practitioner_resource(person)) for person in authors),
        entry(platform_resource()),
    ]


def _patient(actor: Actor, subject: Citizen) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient", "id": str(subject.id)}
    decision = policies.decide(actor, subject.id, Category.IDENTITY_BASIC)
    if decision.basis.value != "self":
        policies.record_access(
            actor, subject.id, Category.IDENTITY_BASIC, "export", decision
        )
    if decision.allowed:
        patient.update(
            name=[{"text": subject.full_name}],
            gender=subject.sex.value,
            birthDate=day(subject.birth_date),
        )
    return patient


def _composition(
    patient: dict[str, str], sections: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    return {
        "resourceType": "Composition",
        "id": str(uuid.uuid4()),
        "status": "final",
        "type": {
            "coding": [
                {
                    "system": LOINC,
                    "code": "60591-5",
                    "display": "Patient summary Document",
                }
            ]
        },
        "subject": patient,
        "date": now.isoformat(),
        "author": [reference("Organization", PLATFORM_ID)],
        "title": "Patient Summary / Tóm tắt hồ sơ sức khỏe",
        "confidentiality": "R",
        "section": sections,
    }


def patient_summary(actor: Actor, subject: Citizen) -> dict[str, Any]:
    """Build the IPS document of what the caller may export (403 if nothing)."""
    exportable = _exportable(actor, subject)
    patient = reference("Patient", subject.id)
    sections: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for category, code, title in SECTIONS:
        records = exportable.get(category)
        resources = [record_resource(category, r, patient) for r in records or []]
        refs = [reference_to(resource) for resource in resources]
        sections.append(_section(code, title, records, refs))
        entries.extend(entry(resource) for resource in resources)
    shown = [record for records in exportable.values() for record in records]
    cited = _cited(shown)
    # Decided last, so the citizen's access log reads as it always has: the
    # records' exports, then the export of who she is.
    patient_entry = entry(_patient(actor, subject))
    now = utcnow()
    composition = _composition(patient, sections, now)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{uuid.uuid4()}",
        },
        "type": "document",
        "timestamp": now.isoformat(),
        "entry": [entry(composition), patient_entry, *entries, *cited],
    }
