"""The code systems, identifier systems and profiles the FHIR export names.

Displays are the code system's own text (LOINC's, in English, as the IPS package
prints them); the Vietnamese a clinician typed goes into ``text`` and, for LOINC,
into a ``translation`` extension on the display. The identifier systems under
``https://congdan.binhduong.gov.vn/fhir/sid/`` are CongDan's (README, "Standards").
"""

from __future__ import annotations

from typing import Any, Final

LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
ICD10: Final = "http://hl7.org/fhir/sid/icd-10"
CVX: Final = "http://hl7.org/fhir/sid/cvx"
ATC: Final = "http://www.whocc.no/atc"
UCUM: Final = "http://unitsofmeasure.org"

_SID: Final = "https://congdan.binhduong.gov.vn/fhir/sid/"
#: Mã cơ sở khám bệnh, chữa bệnh: the 5-digit code Vietnam Social Security (BHXH)
#: gives each health facility (province 2 digits, facility 3), e.g. 74012.
FACILITY_CODE: Final = _SID + "ma-co-so-kcb"
#: Mã số BHXH: the 10-digit social-insurance number printed on the BHYT card.
BHYT_NUMBER: Final = _SID + "ma-so-bhxh"

_IPS: Final = "http://hl7.org/fhir/uv/ips/StructureDefinition/"
#: The IPS 2.0.0 profile each resource of the export claims to conform to.
IPS_PROFILES: Final = {
    "Bundle": _IPS + "Bundle-uv-ips",
    "Composition": _IPS + "Composition-uv-ips",
    "Patient": _IPS + "Patient-uv-ips",
    "AllergyIntolerance": _IPS + "AllergyIntolerance-uv-ips",
    "Condition": _IPS + "Condition-uv-ips",
    "MedicationRequest": _IPS + "MedicationRequest-uv-ips",
    "Immunization": _IPS + "Immunization-uv-ips",
    "Organization": _IPS + "Organization-uv-ips",
    "Practitioner": _IPS + "Practitioner-uv-ips",
    "PractitionerRole": _IPS + "PractitionerRole-uv-ips",
    "laboratory": _IPS + "Observation-results-laboratory-pathology-uv-ips",
    "vital-signs": "http://hl7.org/fhir/StructureDefinition/vitalsigns",
}

_DATA_ABSENT: Final = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
_TRANSLATION: Final = "http://hl7.org/fhir/StructureDefinition/translation"
_SECURITY: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"

#: LOINC's own display (its long common name, as in the IPS 2.0.0 package) of the
#: document, section and observation codes the province's clinics use.
LOINC_DISPLAY: Final = {
    "60591-5": "Patient summary Document",
    "11450-4": "Problem list - Reported",
    "48765-2": "Allergies and adverse reactions Document",
    "10160-0": "History of Medication use Narrative",
    "11369-6": "History of Immunization note",
    "30954-2": "Relevant diagnostic tests/laboratory data note",
    "8716-3": "Vital signs note",
    "46240-8": "History of Hospitalizations+Outpatient visits note",
    "8480-6": "Systolic blood pressure",
    "8462-4": "Diastolic blood pressure",
    "8867-4": "Heart rate",
    "8310-5": "Body temperature",
    "9279-1": "Respiratory rate",
    "29463-7": "Body weight",
    "8302-2": "Body height",
    "39156-5": "Body mass index (BMI) [Ratio]",
    "59408-5": "Oxygen saturation in Arterial blood by Pulse oximetry",
    "6690-2": "Leukocytes [#/volume] in Blood by Automated count",
    "789-8": "Erythrocytes [#/volume] in Blood by Automated count",
    "718-7": "Hemoglobin [Mass/volume] in Blood",
    "777-3": "Platelets [#/volume] in Blood by Automated count",
    "1988-5": "C reactive protein [Mass/volume] in Serum or Plasma",
    "15074-8": "Glucose [Moles/volume] in Blood",
    "2345-7": "Glucose [Mass/volume] in Serum or Plasma",
    "4548-4": "Hemoglobin A1c/Hemoglobin.total in Blood",
    "2160-0": "Creatinine [Mass/volume] in Serum or Plasma",
    "2093-3": "Cholesterol [Mass/volume] in Serum or Plasma",
    "1742-6": "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
    "1920-8": "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
}


def loinc(code: str, vietnamese: str | None = None) -> dict[str, Any]:
    """A LOINC coding with LOINC's display, the Vietnamese as its translation.

    A code outside :data:`LOINC_DISPLAY` goes without a display (it is optional):
    a display in another language would not be LOINC's.
    """
    coding: dict[str, Any] = {"system": LOINC, "code": code}
    display = LOINC_DISPLAY.get(code)
    if display is not None:
        coding["display"] = display
        if vietnamese:
            coding["_display"] = {"extension": [translation("vi", vietnamese)]}
    return coding


def translation(language: str, content: str) -> dict[str, Any]:
    """The ``translation`` extension of a string element into ``language``."""
    return {
        "url": _TRANSLATION,
        "extension": [
            {"url": "lang", "valueCode": language},
            {"url": "content", "valueString": content},
        ],
    }


def absent(reason: str) -> dict[str, Any]:
    """A primitive element that is withheld, with the data-absent-reason why."""
    return {"extension": [{"url": _DATA_ABSENT, "valueCode": reason}]}


def security_label(code: str, display: str) -> dict[str, str]:
    """A v3 ObservationValue security label (``MASKED``, ``REDACTED``)."""
    return {"system": _SECURITY, "code": code, "display": display}


def meta(kind: str, *labels: dict[str, str]) -> dict[str, Any]:
    """``meta`` claiming the IPS profile of ``kind``, with any security labels."""
    value: dict[str, Any] = {"profile": [IPS_PROFILES[kind]]}
    if labels:
        value["security"] = list(labels)
    return value
