"""Every IPS document the API produces, judged by other people's definitions.

fhir.resources (R4B) parses each bundle; HL7's IPS 2.0.0 StructureDefinitions (the
official package, pinned by ``make judges``) are checked by
:mod:`tests.judges.fhir_profiles`, their invariants evaluated by fhirpathpy; the
structural rules of ``tests/judges/ips_rules.json`` are FHIRPath too.
"""

from __future__ import annotations

import copy

import pytest
from fhir.resources.R4B.bundle import Bundle

from app.db import utcnow
from tests.consent.helpers import events, grant
from tests.demo_ids import AN, BINH, CLINIC, CUC
from tests.factories import RECORDS
from tests.health_book.helpers import book
from tests.judges import fhir_profiles
from tests.problems import assert_problem

#: What the judge cannot evaluate in the profiles our documents claim, pinned so a
#: rule that stops being judged is seen: none today.
UNJUDGED: set[str] = set()
FACILITY_CODE = "https://congdan.binhduong.gov.vn/fhir/sid/ma-co-so-kcb"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def assert_conforms(bundle):
    """Valid R4(B), every claimed IPS profile met, every structural rule held."""
    Bundle.model_validate(bundle)
    verdict = fhir_profiles.check(bundle)
    assert verdict.problems == []
    assert verdict.unjudged == UNJUDGED
    assert fhir_profiles.broken_rules(bundle) == []
    return verdict


def resources(bundle, kind):
    return [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == kind
    ]


def export_allergies(client, parties, subject):
    """The clinic may export the subject's allergies, and nothing else."""
    grant(
        client,
        parties,
        subject.id,
        categories=["allergies"],
        data_from="2000-01-01",
        access_mode="store",
    )


def open_window(client, parties, citizen, subject):
    doctor = parties._headers(
        citizen(CUC),
        org=parties.organisation(CLINIC),
        role="doctor",
        acr="urn:vneid:loa:2",
        auth_time=utcnow(),
    )
    reason = {"reason": "Bệnh nhân bất tỉnh tại phòng cấp cứu"}
    opened = client.post(
        f"/api/v1/citizens/{subject}/emergency-access", json=reason, headers=doctor
    )
    assert opened.status_code == 201


def test_the_citizens_own_summary_conforms_to_every_ips_profile(client, parties):
    response = client.get(book("me", "/fhir"), headers=parties.as_citizen(AN))
    assert response.status_code == 200
    verdict = assert_conforms(response.get_json())
    assert {url.rsplit("/", 1)[1] for url in verdict.profiles_checked} >= {
        "Bundle-uv-ips", "Composition-uv-ips", "Patient-uv-ips", "AllergyIntolerance-uv-ips",
        "Condition-uv-ips", "MedicationRequest-uv-ips", "Organization-uv-ips",
        "Practitioner-uv-ips", "Observation-results-laboratory-pathology-uv-ips",
    }  # fmt: skip


def test_a_guardians_export_of_a_child_conforms(client, parties, citizen):
    response = client.get(
        book(citizen(BINH).id, "/fhir"), headers=parties.as_citizen(AN)
    )
    assert response.status_code == 200
    verdict = assert_conforms(response.get_json())
    assert any(url.endswith("Immunization-uv-ips") for url in verdict.profiles_checked)


def test_a_consented_export_without_identity_masks_the_patient_and_conforms(
    client, parties, citizen
):
    an = citizen(AN)
    export_allergies(client, parties, an)
    bundle = client.get(book(an.id, "/fhir"), headers=parties.clinic()).get_json()
    assert_conforms(bundle)
    [patient] = resources(bundle, "Patient")
    masked = {"extension": [{"url": DATA_ABSENT, "valueCode": "masked"}]}
    assert patient["name"] == [{"_text": masked}]
    assert patient["_birthDate"] == masked
    assert "gender" not in patient
    assert "birthDate" not in patient
    assert [label["code"] for label in patient["meta"]["security"]] == ["MASKED"]
    composition = bundle["entry"][0]["resource"]
    assert [label["code"] for label in composition["meta"]["security"]] == ["REDACTED"]
    assert an.full_name not in str(bundle)


def test_the_emergency_summary_is_an_ips_document_for_the_doctor_in_a_window(
    client, parties, citizen
):
    an = citizen(AN)
    refused = client.get(
        book(an.id, "/emergency-summary/fhir"), headers=parties.clinic()
    )
    assert_problem(refused, 403, "consent-required")

    open_window(client, parties, citizen, an.id)
    response = client.get(
        book(an.id, "/emergency-summary/fhir"), headers=parties.clinic()
    )
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    bundle = response.get_json()
    assert_conforms(bundle)
    codes = [
        section["code"]["coding"][0]["code"]
        for section in bundle["entry"][0]["resource"]["section"]
    ]
    assert codes == ["11450-4", "48765-2", "10160-0", "11369-6"]
    [condition] = resources(bundle, "Condition")
    assert condition["code"]["coding"][0]["code"] == "I10"
    assert [m["medicationCodeableConcept"]["text"] for m in resources(bundle, "MedicationRequest")] == [
        "Amlodipine 5 mg"
    ]  # fmt: skip


def test_codings_are_the_code_systems_own(client, parties):
    bundle = client.get(book("me", "/fhir"), headers=parties.as_citizen(AN)).get_json()
    [heart_rate] = [
        o
        for o in resources(bundle, "Observation")
        if o["code"]["coding"][0]["code"] == "8867-4"
    ]
    coding = heart_rate["code"]["coding"][0]
    assert coding["display"] == "Heart rate"
    translation = coding["_display"]["extension"][0]["extension"]
    assert {"url": "lang", "valueCode": "vi"} in translation
    assert {"url": "content", "valueString": "Nhịp tim"} in translation
    assert heart_rate["code"]["text"] == "Nhịp tim"

    [allergy] = resources(bundle, "AllergyIntolerance")
    assert allergy["code"] == {
        "text": "Hải sản (tôm, cua)",
        "coding": [{"system": "http://snomed.info/sct", "code": "44027008"}],
    }
    [manifestation] = allergy["reaction"][0]["manifestation"]
    assert manifestation["coding"] == [
        {"system": "http://snomed.info/sct", "code": "126485001"}
    ]
    assert allergy["verificationStatus"]["coding"][0]["code"] == "confirmed"

    clinics = [o for o in resources(bundle, "Organization") if "identifier" in o]
    assert clinics
    assert all(
        identifier["system"] == FACILITY_CODE
        for clinic in clinics
        for identifier in clinic["identifier"]
    )
    sections = {
        s["code"]["coding"][0]["code"]: s
        for s in bundle["entry"][0]["resource"]["section"]
    }
    vital_signs = {ref["reference"] for ref in sections["8716-3"].get("entry", [])}
    results = {ref["reference"] for ref in sections["30954-2"].get("entry", [])}
    assert f"urn:uuid:{heart_rate['id']}" in vital_signs - results


def test_the_judge_refuses_what_main_produced_for_a_withheld_identity(client, parties):
    """The judge can fail: a bare Patient (as main exported before) and a document
    missing its problems section are each refused."""
    bundle = client.get(book("me", "/fhir"), headers=parties.as_citizen(AN)).get_json()
    bare = copy.deepcopy(bundle)
    patient_entry = next(
        e for e in bare["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    patient = patient_entry["resource"]
    patient_entry["resource"] = {
        "resourceType": "Patient",
        "id": patient["id"],
        "meta": patient["meta"],
    }
    problems = fhir_profiles.check(bare).problems
    assert any("Patient.name: 0 < min 1" in p for p in problems)
    assert any("Patient.birthDate: 0 < min 1" in p for p in problems)

    no_problems = copy.deepcopy(bundle)
    composition = no_problems["entry"][0]["resource"]
    composition["section"] = composition["section"][1:]
    assert any(
        "sectionProblems: 0 < min 1" in p
        for p in fhir_profiles.check(no_problems).problems
    )
    assert any(
        rule.startswith("required-sections")
        for rule in fhir_profiles.broken_rules(no_problems)
    )


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (RECORDS["immunizations"] | {"vaccine_code": "MMR"}, "vaccine_code"),
        (RECORDS["allergies"] | {"substance_code": "44027009"}, "substance_code"),
        (RECORDS["allergies"] | {"reaction_code": "12345"}, "reaction_code"),
    ],
)
def test_codes_that_are_not_of_their_system_are_refused(
    client, parties, citizen, record, field
):
    kind = "immunizations" if "vaccine_code" in record else "allergies"
    response = client.post(
        book(citizen(AN).id, f"/{kind}"), json=record, headers=parties.clinic()
    )
    assert field in assert_problem(response, 422, "validation-failed")["errors"]


def test_a_view_only_identity_consent_does_not_put_identity_in_an_export(
    client, parties, citizen
):
    """Attack (2026-12-06): identity under a view-only consent, allergies under a
    store one; the export carried An's name, sex and birth date, and his access
    log said the identity was exported under a consent that allowed viewing."""
    an = citizen(AN)
    grant(client, parties, an.id, categories=["identity_basic"], data_from="2000-01-01")
    export_allergies(client, parties, an)
    response = client.get(book(an.id, "/fhir"), headers=parties.clinic())
    assert response.status_code == 200
    bundle = response.get_json()
    assert_conforms(bundle)
    [patient] = resources(bundle, "Patient")
    assert [label["code"] for label in patient["meta"]["security"]] == ["MASKED"]
    assert an.full_name not in response.get_data(as_text=True)
    assert an.birth_date.isoformat() not in response.get_data(as_text=True)
    identity = [
        e
        for e in events(an.id)
        if e.category == "identity_basic" and e.action == "export"
    ]
    assert [e.outcome for e in identity] == ["deny"]


def test_a_masked_patient_cannot_be_linked_across_exports(client, parties, citizen):
    """The masked Patient's id is the document's own, not the citizen's."""
    an = citizen(AN)
    export_allergies(client, parties, an)
    ids = set()
    for _ in range(2):
        bundle = client.get(book(an.id, "/fhir"), headers=parties.clinic()).get_json()
        assert_conforms(bundle)
        [patient] = resources(bundle, "Patient")
        ids.add(patient["id"])
    assert str(an.id) not in ids
    assert len(ids) == 2


def test_a_view_only_emergency_consent_shows_the_summary_but_exports_no_document(
    client, parties, citizen
):
    an = citizen(AN)
    grant(
        client, parties, an.id, categories=["emergency_summary"], data_from="2000-01-01"
    )
    shown = client.get(book(an.id, "/emergency-summary"), headers=parties.clinic())
    assert shown.status_code == 200
    exported = client.get(
        book(an.id, "/emergency-summary/fhir"), headers=parties.clinic()
    )
    assert assert_problem(exported, 403, "consent-required")["reason"] == "view-only"
