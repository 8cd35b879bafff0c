"""The health book's records as FHIR R4 resources, and the resources they cite.

Each record becomes one resource (a Condition, an AllergyIntolerance…) about the
patient it is given a reference to; its clinic and author become an Organization
and a Practitioner. References are ``urn:uuid:`` full URLs, resolved inside the
bundle :mod:`health_book.fhir` assembles.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from html import escape
from typing import Any

from consent.vocabulary import Category
from health_book import fhir_terms
from health_book.fhir_terms import ATC, CVX, FACILITY_CODE, ICD10, SNOMED, UCUM, meta
from health_book.models import (
    Allergy,
    Condition,
    Encounter,
    Immunization,
    MedicationRequest,
    Observation,
)
from identity.models import Citizen, Organisation

_ENCOUNTER_CLASS = {"outpatient": "AMB", "inpatient": "IMP", "remote": "VR"}
#: The platform itself, author of every summary it composes.
PLATFORM_ID = uuid.uuid5(uuid.NAMESPACE_URL, "congdan:health-book")


def reference(kind: str, ident: uuid.UUID | str) -> dict[str, str]:
    """A reference to the resource of ``kind`` with id ``ident`` in the bundle."""
    return {"reference": f"urn:uuid:{ident}", "type": kind}


def role_id(author_id: uuid.UUID, clinic_id: uuid.UUID) -> uuid.UUID:
    """The id of the PractitionerRole "this doctor at this clinic"."""
    return uuid.uuid5(PLATFORM_ID, f"{author_id}@{clinic_id}")


def author(record: Any) -> dict[str, str]:
    """A reference to who wrote ``record``: its author in the role at its clinic."""
    return reference("PractitionerRole", role_id(record.author_id, record.clinic_id))


def day(value: date | datetime) -> str:
    """A FHIR date or dateTime."""
    return value.isoformat()


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def narrative(*parts: str | None) -> dict[str, str]:
    """A generated XHTML narrative: one escaped paragraph per part given."""
    body = "".join(f"<p>{escape(part)}</p>" for part in parts if part)
    return {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body or "<p>-</p>"}</div>',
    }


def _snomed_concept(code: str | None, text: str) -> dict[str, Any]:
    """A CodeableConcept of the clinic's SNOMED CT code, if any, and its text."""
    concept: dict[str, Any] = {"text": text}
    if code:
        concept["coding"] = [{"system": SNOMED, "code": code}]
    return concept


def _status(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


_ALLERGY_STATUS = "http://terminology.hl7.org/CodeSystem/allergyintolerance-"


def _allergy(r: Allergy, patient: dict[str, str]) -> dict[str, Any]:
    # A clinic's doctor records it under her name: it is a clinician's
    # confirmed finding, and active until a correction says otherwise.
    resource: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "meta": meta("AllergyIntolerance"),
        "clinicalStatus": _status(_ALLERGY_STATUS + "clinical", "active"),
        "verificationStatus": _status(_ALLERGY_STATUS + "verification", "confirmed"),
        "category": [r.category.value],
        "criticality": r.criticality.value,
        "code": _snomed_concept(r.substance_code, r.substance),
        "patient": patient,
        "recordedDate": day(r.record_date),
        "recorder": author(r),
    }
    if r.reaction:
        resource["reaction"] = [
            {"manifestation": [_snomed_concept(r.reaction_code, r.reaction)]}
        ]
    return resource


def _condition(r: Condition, patient: dict[str, str]) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "meta": meta("Condition"),
        "clinicalStatus": _status(
            "http://terminology.hl7.org/CodeSystem/condition-clinical",
            r.clinical_status.value,
        ),
        # The clinician's own words are the text; a display would have to be
        # the code system's.
        "code": {
            "coding": [{"system": ICD10, "code": r.icd10_code}],
            "text": r.description,
        },
        "subject": patient,
        "recordedDate": day(r.record_date),
        "recorder": author(r),
    }


def _medication(r: MedicationRequest, patient: dict[str, str]) -> dict[str, Any]:
    medication: dict[str, Any] = {"text": r.medication}
    if r.atc_code:
        medication["coding"] = [{"system": ATC, "code": r.atc_code}]
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
        "meta": meta("MedicationRequest"),
        "status": r.status.value,
        "intent": "order",
        "medicationCodeableConcept": medication,
        "subject": patient,
        "authoredOn": day(r.record_date),
        "requester": author(r),
        "dosageInstruction": [{"text": dosage}],
    }


def _immunization(r: Immunization, patient: dict[str, str]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Immunization",
        "meta": meta("Immunization"),
        "status": "completed",
        "vaccineCode": {
            "coding": [{"system": CVX, "code": r.vaccine_code}],
            "text": r.vaccine_name,
        },
        "patient": patient,
        "occurrenceDateTime": day(r.record_date),
        "performer": [{"actor": author(r)}],
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
            "system": UCUM,
            "code": r.unit,
        }

    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "meta": meta(r.category.value),
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
            "coding": [fhir_terms.loinc(r.loinc_code, r.name)],
            "text": r.name,
        },
        "subject": patient,
        "effectiveDateTime": day(r.effective_at),
        "valueQuantity": quantity(r.value),
        "performer": [author(r)],
    }
    if r.reference_low is not None or r.reference_high is not None:
        reference_range: dict[str, Any] = {}
        if r.reference_low is not None:
            reference_range["low"] = quantity(r.reference_low)
        if r.reference_high is not None:
            reference_range["high"] = quantity(r.reference_high)
        resource["referenceRange"] = [reference_range]
    return resource


def _encounter(r: Encounter, patient: dict[str, str]) -> dict[str, Any]:
    reasons: list[dict[str, Any]] = [{"text": r.reason}]
    if r.diagnosis_code:
        reasons.append(
            {
                "coding": [
                    {
                        "system": ICD10,
                        "code": r.diagnosis_code,
                    }
                ],
                "text": r.diagnosis_text or r.diagnosis_code,
            }
        )
    period = {"start": day(r.admitted_at)}
    if r.discharged_at:
        period["end"] = day(r.discharged_at)
    return {
        "resourceType": "Encounter",
        "text": narrative(
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
        "serviceProvider": reference("Organization", r.clinic_id),
    }


_BUILDERS: dict[Category, Callable[[Any, dict[str, str]], dict[str, Any]]] = {
    Category.ALLERGIES: _allergy,
    Category.CONDITIONS: _condition,
    Category.MEDICATIONS: _medication,
    Category.IMMUNIZATIONS: _immunization,
    Category.OBSERVATIONS: _observation,
    Category.ENCOUNTERS: _encounter,
}


def record_resource(
    category: Category, record: Any, patient: dict[str, str]
) -> dict[str, Any]:
    """One record of ``category`` as its FHIR resource, with the record's id."""
    resource = _BUILDERS[category](record, patient)
    resource["id"] = str(record.id)
    return resource


def reference_to(resource: dict[str, Any]) -> dict[str, str]:
    """A reference to ``resource`` (which has its id) in the bundle."""
    return reference(resource["resourceType"], resource["id"])


def entry(resource: dict[str, Any]) -> dict[str, Any]:
    """A bundle entry for ``resource``, under its ``urn:uuid:`` full URL."""
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def organisation_resource(org: Organisation) -> dict[str, Any]:
    """A clinic as an Organization, identified by its facility code (mã KCB)."""
    return {
        "resourceType": "Organization",
        "id": str(org.id),
        "meta": meta("Organization"),
        "identifier": [{"use": "official", "system": FACILITY_CODE, "value": org.code}],
        "name": org.name,
    }


def practitioner_resource(person: Citizen) -> dict[str, Any]:
    """A record's author as a Practitioner."""
    return {
        "resourceType": "Practitioner",
        "id": str(person.id),
        "meta": meta("Practitioner"),
        "name": [{"text": person.full_name}],
    }


def practitioner_role_resource(
    author_id: uuid.UUID, clinic_id: uuid.UUID
) -> dict[str, Any]:
    """The author of records at a clinic, linking the Practitioner to the clinic."""
    return {
        "resourceType": "PractitionerRole",
        "id": str(role_id(author_id, clinic_id)),
        "meta": meta("PractitionerRole"),
        "practitioner": reference("Practitioner", author_id),
        "organization": reference("Organization", clinic_id),
    }


def platform_resource() -> dict[str, Any]:
    """The platform as the Organization that authors the summary."""
    return {
        "resourceType": "Organization",
        "id": str(PLATFORM_ID),
        "meta": meta("Organization"),
        "name": "Sổ sức khỏe điện tử CongDan",
    }
