"""The health book as a FHIR R4 document: an International Patient Summary.

A ``Bundle`` of type ``document`` whose first entry is the ``Composition``, with
sections for problems, allergies, medications, immunizations, results and
encounters, followed by every resource they reference (Patient, Organization,
Practitioner, the records) under ``urn:uuid:`` full URLs, so each reference resolves
inside the bundle. Only what the caller may *export* is included: categories
refused (or only viewable) become sections with ``emptyReason`` "withheld", which
says nothing about whether records exist. Exporting under a view-only consent is
refused outright.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from html import escape
from typing import Any

import sqlalchemy as sa

from app.auth import Actor
from app.db import utcnow
from app.extensions import db
from consent import policies
from consent.vocabulary import Category
from health_book import services
from health_book.models import (
    Allergy,
    Condition,
    Encounter,
    Immunization,
    MedicationRequest,
    Observation,
)
from identity.models import Citizen, Organisation

LOINC = "http://loinc.org"
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
_ENCOUNTER_CLASS = {"outpatient": "AMB", "inpatient": "IMP", "remote": "VR"}


def _ref(kind: str, ident: uuid.UUID) -> dict[str, str]:
    return {"reference": f"urn:uuid:{ident}", "type": kind}


def _day(value: date | datetime) -> str:
    return value.isoformat()


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _narrative(*parts: str | None) -> dict[str, str]:
    body = "".join(f"<p>{escape(part)}</p>" for part in parts if part)
    return {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body or "<p>-</p>"}</div>',
    }


def _allergy(r: Allergy, patient: dict[str, str]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": "active",
                }
            ]
        },
        "category": [r.category.value],
        "criticality": r.criticality.value,
        "code": {"text": r.substance},
        "patient": patient,
        "recordedDate": _day(r.record_date),
        "recorder": _ref("Practitioner", r.author_id),
    }
    if r.reaction:
        resource["reaction"] = [{"manifestation": [{"text": r.reaction}]}]
    return resource


def _condition(r: Condition, patient: dict[str, str]) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": r.clinical_status.value,
                }
            ]
        },
        "code": {
            "coding": [
                {
                    "system": "http://hl7.org/fhir/sid/icd-10",
                    "code": r.icd10_code,
                    "display": r.description,
                }
            ],
            "text": r.description,
        },
        "subject": patient,
        "recordedDate": _day(r.record_date),
        "recorder": _ref("Practitioner", r.author_id),
    }


def _medication(r: MedicationRequest, patient: dict[str, str]) -> dict[str, Any]:
    medication: dict[str, Any] = {"text": r.medication}
    if r.atc_code:
        medication["coding"] = [
            {
                "system": "http://www.whocc.no/atc",
                "code": r.atc_code,
                "display": r.medication,
            }
        ]
    dosage = "; ".join(
        filter(
            None,
            [
                r.dosage,
                r.quantity,
                f"{r.duration_days} ngày" if r.duration_days else None,
            ],
        )
    )
    return {
        "resourceType": "MedicationRequest",
        "status": r.status.value,
        "intent": "order",
        "medicationCodeableConcept": medication,
        "subject": patient,
        "authoredOn": _day(r.record_date),
        "requester": _ref("Practitioner", r.author_id),
        "dosageInstruction": [{"text": dosage}],
    }


def _immunization(r: Immunization, patient: dict[str, str]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": {
            "coding": [
                {
                    "system": "http://hl7.org/fhir/sid/cvx",
                    "code": r.vaccine_code,
                    "display": r.vaccine_name,
                }
            ],
            "text": r.vaccine_name,
        },
        "patient": patient,
        "occurrenceDateTime": _day(r.record_date),
        "performer": [{"actor": _ref("Practitioner", r.author_id)}],
        "protocolApplied": [
            {
                "doseNumberPositiveInt": r.dose_number,
                "series": "TCMR" if r.programme.value == "expanded" else "other",
            }
        ],
    }
    if r.lot_number:
        resource["lotNumber"] = r.lot_number
    return resource


def _observation(r: Observation, patient: dict[str, str]) -> dict[str, Any]:
    def quantity(value: Decimal) -> dict[str, Any]:
        return {
            "value": _number(value),
            "unit": r.unit,
            "system": "http://unitsofmeasure.org",
            "code": r.unit,
        }

    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": r.category.value,
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": LOINC, "code": r.loinc_code, "display": r.name}],
            "text": r.name,
        },
        "subject": patient,
        "effectiveDateTime": _day(r.effective_at),
        "valueQuantity": quantity(r.value),
        "performer": [_ref("Practitioner", r.author_id)],
    }
    if r.reference_low is not None or r.reference_high is not None:
        reference: dict[str, Any] = {}
        if r.reference_low is not None:
            reference["low"] = quantity(r.reference_low)
        if r.reference_high is not None:
            reference["high"] = quantity(r.reference_high)
        resource["referenceRange"] = [reference]
    return resource


def _encounter(r: Encounter, patient: dict[str, str]) -> dict[str, Any]:
    reasons: list[dict[str, Any]] = [{"text": r.reason}]
    if r.diagnosis_code:
        reasons.append(
            {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/sid/icd-10",
                        "code": r.diagnosis_code,
                        "display": r.diagnosis_text or r.diagnosis_code,
                    }
                ],
                "text": r.diagnosis_text or r.diagnosis_code,
            }
        )
    period = {"start": _day(r.admitted_at)}
    if r.discharged_at:
        period["end"] = _day(r.discharged_at)
    return {
        "resourceType": "Encounter",
        "text": _narrative(
            r.treatment_summary, f"Tái khám: {r.follow_up}" if r.follow_up else None
        ),
        "status": "finished" if r.discharged_at else "in-progress",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": _ENCOUNTER_CLASS[r.encounter_class.value],
        },
        "subject": patient,
        "period": period,
        "reasonCode": reasons,
        "serviceProvider": _ref("Organization", r.clinic_id),
    }


_BUILDERS: dict[Category, Callable[[Any, dict[str, str]], dict[str, Any]]] = {
    Category.ALLERGIES: _allergy,
    Category.CONDITIONS: _condition,
    Category.MEDICATIONS: _medication,
    Category.IMMUNIZATIONS: _immunization,
    Category.OBSERVATIONS: _observation,
    Category.ENCOUNTERS: _encounter,
}


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
            birthDate=_day(subject.birth_date),
        )
    return patient


def patient_summary(actor: Actor, subject: Citizen) -> dict[str, Any]:
    """Build the IPS document of what the caller may export (403 if nothing)."""
    readable: dict[Category, list[Any]] = {}
    refusal: Exception | None = None
    for category, _, _ in SECTIONS:
        try:
            seen = services.window(actor, subject, category, action="export")
        except (policies.ConsentRequired, policies.ConsentFrequencyExceeded) as refused:
            refusal = refusal or refused
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

    patient_id = subject.id
    patient_ref = _ref("Patient", patient_id)
    entries: list[dict[str, Any]] = []
    sections: list[dict[str, Any]] = []
    organisations: set[uuid.UUID] = set()
    practitioners: set[uuid.UUID] = set()
    for category, code, title in SECTIONS:
        section: dict[str, Any] = {
            "title": title,
            "code": {"coding": [{"system": LOINC, "code": code, "display": title}]},
        }
        records = readable.get(category)
        if records is None:
            section["emptyReason"] = {
                "coding": [{"system": _EMPTY, "code": "withheld"}]
            }
            section["text"] = _narrative("Withheld / Không được chia sẻ")
        elif not records:
            section["emptyReason"] = {
                "coding": [{"system": _EMPTY, "code": "nilknown"}]
            }
            section["text"] = _narrative("None known / Không có")
        else:
            section["entry"] = []
            section["text"] = _narrative(f"{len(records)} record(s)")
            for record in records:
                resource = _BUILDERS[category](record, patient_ref)
                resource["id"] = str(record.id)
                entries.append(
                    {"fullUrl": f"urn:uuid:{record.id}", "resource": resource}
                )
                section["entry"].append(_ref(resource["resourceType"], record.id))
                organisations.add(record.clinic_id)
                practitioners.add(record.author_id)
        sections.append(section)

    platform = uuid.uuid5(uuid.NAMESPACE_URL, "congdan:health-book")
    clinics = db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(organisations))
    )
    for org in clinics:
        entries.append(
            {
                "fullUrl": f"urn:uuid:{org.id}",
                "resource": {
                    "resourceType": "Organization",
                    "id": str(org.id),
                    "identifier": [{"value": org.code}],
                    "name": org.name,
                },
            }
        )
    authors = db.session.scalars(
        sa.select(Citizen).where(Citizen.id.in_(practitioners))
    )
    for person in authors:
        entries.append(
            {
                "fullUrl": f"urn:uuid:{person.id}",
                "resource": {
                    "resourceType": "Practitioner",
                    "id": str(person.id),
                    "name": [{"text": person.full_name}],
                },
            }
        )
    entries.append(
        {
            "fullUrl": f"urn:uuid:{platform}",
            "resource": {
                "resourceType": "Organization",
                "id": str(platform),
                "name": "Sổ sức khỏe điện tử CongDan",
            },
        }
    )
    entries.insert(
        0, {"fullUrl": f"urn:uuid:{patient_id}", "resource": _patient(actor, subject)}
    )

    now = utcnow()
    composition_id = uuid.uuid4()
    composition = {
        "resourceType": "Composition",
        "id": str(composition_id),
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
        "subject": patient_ref,
        "date": now.isoformat(),
        "author": [_ref("Organization", platform)],
        "title": "Patient Summary / Tóm tắt hồ sơ sức khỏe",
        "confidentiality": "R",
        "section": sections,
    }
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{uuid.uuid4()}",
        },
        "type": "document",
        "timestamp": now.isoformat(),
        "entry": [
            {"fullUrl": f"urn:uuid:{composition_id}", "resource": composition},
            *entries,
        ],
    }
