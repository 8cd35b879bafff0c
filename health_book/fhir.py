"""The health book as a FHIR R4 document: an International Patient Summary.

A ``Bundle`` of type ``document`` whose first entry is the ``Composition``, with
sections for problems, allergies, medications, immunizations, results, vital signs
and encounters, followed by every resource they reference (Patient, Organization,
Practitioner, the records) under ``urn:uuid:`` full URLs, so each reference resolves
inside the bundle. Only what the caller may *export* is included: categories
refused (or only viewable) become sections with ``emptyReason`` "withheld", which
says nothing about whether records exist. Exporting under a view-only consent is
refused outright. The resources themselves are :mod:`health_book.fhir_resources`.

Each resource claims its IPS 2.0.0 profile in ``meta.profile``. A patient whose
identity the caller may not see keeps the name and birth date the profile requires,
as elements with a data-absent-reason "masked" and a ``MASKED`` security label.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.auth import Actor
from app.db import utcnow
from app.errors import Problem
from app.extensions import db
from consent import policies
from consent.vocabulary import Category
from health_book import services, views
from health_book.fhir_resources import (
    PLATFORM_ID,
    day,
    entry,
    narrative,
    organisation_resource,
    platform_resource,
    practitioner_resource,
    practitioner_role_resource,
    record_resource,
    reference,
    reference_to,
)
from health_book.fhir_terms import absent, loinc, meta, security_label
from health_book.models import ObservationCategory
from identity.models import Citizen, Organisation


def _every(_record: Any) -> bool:
    return True


def _vital_sign(record: Any) -> bool:
    return bool(record.category is ObservationCategory.VITAL_SIGNS)


def _laboratory(record: Any) -> bool:
    return not _vital_sign(record)


@dataclass(frozen=True)
class Section:
    """A section of the summary: the records of ``category`` that ``holds``."""

    category: Category
    code: str
    title: str
    holds: Callable[[Any], bool] = _every


#: The IPS's required sections (problems, allergies, medications) first.
SECTIONS: tuple[Section, ...] = (
    Section(Category.CONDITIONS, "11450-4", "Problem list"),
    Section(Category.ALLERGIES, "48765-2", "Allergies and adverse reactions"),
    Section(Category.MEDICATIONS, "10160-0", "History of medication use"),
    Section(Category.IMMUNIZATIONS, "11369-6", "History of immunization"),
    Section(
        Category.OBSERVATIONS,
        "30954-2",
        "Relevant diagnostic tests/laboratory data",
        _laboratory,
    ),
    Section(Category.OBSERVATIONS, "8716-3", "Vital signs", _vital_sign),
    Section(
        Category.ENCOUNTERS,
        "46240-8",
        "History of hospitalizations and outpatient visits",
    ),
)
_CATEGORIES = tuple(dict.fromkeys(section.category for section in SECTIONS))
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
    for category in _CATEGORIES:
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
        "code": {"coding": [loinc(code)]},
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
    """Entries for the authors of ``records`` in their roles at their clinics,
    then the platform: every one is referenced from the document."""
    roles = sorted({(record.author_id, record.clinic_id) for record in records})
    clinics = db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_({c for _, c in roles}))
    )
    authors = db.session.scalars(
        sa.select(Citizen).where(Citizen.id.in_({a for a, _ in roles}))
    )
    return [
        *(entry(practitioner_role_resource(*role)) for role in roles),
        *(entry(organisation_resource(org)) for org in clinics),
        *(entry(practitioner_resource(person)) for person in authors),
        entry(platform_resource()),
    ]


def _patient(actor: Actor, subject: Citizen, patient_id: uuid.UUID) -> dict[str, Any]:
    """The Patient of a document, identified only if the caller may *export* who
    the subject is (a view-only consent for identity shows it, never exports it).

    Its id is the document's own, never the citizen's: exports that withhold
    identity cannot be linked to each other through it.
    """
    decision = policies.decide(
        actor, subject.id, Category.IDENTITY_BASIC, action="export"
    )
    if decision.basis.value != "self":
        policies.record_access(
            actor, subject.id, Category.IDENTITY_BASIC, "export", decision
        )
    patient: dict[str, Any] = {"resourceType": "Patient", "id": str(patient_id)}
    if decision.allowed:
        patient.update(
            meta=meta("Patient"),
            name=[{"text": subject.full_name}],
            gender=subject.sex.value,
            birthDate=day(subject.birth_date),
        )
        return patient
    # The profile requires a name and a birth date: they are there, withheld.
    patient.update(
        meta=meta("Patient", security_label("MASKED", "masked")),
        text=narrative("Identity withheld / Danh tính không được chia sẻ"),
        name=[{"_text": absent("masked")}],
        _birthDate=absent("masked"),
    )
    return patient


def _composition(
    patient: dict[str, str], sections: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    withheld = any(
        coding["code"] == "withheld"
        for section in sections
        for coding in section.get("emptyReason", {}).get("coding", [])
    )
    labels = [security_label("REDACTED", "redacted")] if withheld else []
    platform = reference("Organization", PLATFORM_ID)
    # No attester: nobody attests a summary composed on request; the records'
    # authors are named on each record.
    return {
        "resourceType": "Composition",
        "id": str(uuid.uuid4()),
        "meta": meta("Composition", *labels),
        "status": "final",
        "type": {"coding": [loinc("60591-5")]},
        "subject": patient,
        "date": now.isoformat(),
        "author": [platform],
        "title": "Patient Summary / Tóm tắt hồ sơ sức khỏe",
        "confidentiality": "R",
        "custodian": platform,
        "section": sections,
    }


def patient_summary(actor: Actor, subject: Citizen) -> dict[str, Any]:
    """Build the IPS document of what the caller may export (403 if nothing)."""
    return _document(actor, subject, _exportable(actor, subject), SECTIONS)


#: The emergency summary's sections: what an emergency team needs first.
EMERGENCY_SECTIONS: tuple[Section, ...] = SECTIONS[:4]


def emergency_summary(actor: Actor, subject: Citizen) -> dict[str, Any]:
    """The emergency summary as an IPS document: who may read the JSON one may
    have it, except under a view-only consent (a document is kept: an export).

    Problems are the active ones and medications the current ones, as in
    :func:`health_book.views.emergency_summary`, which decides and logs the read.
    """
    summary = views.emergency_summary(actor, subject, action="export")
    records = {
        Category.CONDITIONS: summary["active_conditions"],
        Category.ALLERGIES: summary["allergies"],
        Category.MEDICATIONS: summary["current_medications"],
        Category.IMMUNIZATIONS: summary["immunizations"],
    }
    return _document(actor, subject, records, EMERGENCY_SECTIONS)


def _document(
    actor: Actor,
    subject: Citizen,
    exportable: dict[Category, list[Any]],
    layout: tuple[Section, ...],
) -> dict[str, Any]:
    """The document Bundle of ``exportable`` records in the sections of ``layout``;
    a category missing from ``exportable`` is withheld."""
    patient_id = uuid.uuid4()
    patient = reference("Patient", patient_id)
    sections: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for section in layout:
        readable = exportable.get(section.category)
        records = None if readable is None else list(filter(section.holds, readable))
        resources = [
            record_resource(section.category, r, patient) for r in records or []
        ]
        refs = [reference_to(resource) for resource in resources]
        sections.append(_section(section.code, section.title, records, refs))
        entries.extend(entry(resource) for resource in resources)
    shown = [record for records in exportable.values() for record in records]
    cited = _cited(shown)
    # Decided last, so the citizen's access log reads as it always has: the
    # records' exports, then the export of who she is.
    patient_entry = entry(_patient(actor, subject, patient_id))
    now = utcnow()
    composition = _composition(patient, sections, now)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": meta("Bundle"),
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{uuid.uuid4()}",
        },
        "type": "document",
        "timestamp": now.isoformat(),
        "entry": [entry(composition), patient_entry, *entries, *cited],
    }
