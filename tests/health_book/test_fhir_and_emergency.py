"""The FHIR patient summary and break-glass access."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle

from app.audit import AuditEvent
from app.db import utcnow
from app.extensions import db
from consent.models import EmergencyAccess
from identity.models import Role
from notifications.models import Notification
from tests import factories
from tests.consent.helpers import events, grant
from tests.demo_ids import AN, BINH, CLINIC, CUC, HAI
from tests.health_book.helpers import book
from tests.problems import assert_problem


def resources(bundle, kind=None):
    found = [entry["resource"] for entry in bundle["entry"]]
    return [r for r in found if kind is None or r["resourceType"] == kind]


def assert_valid_document(bundle):
    """Valid R4(B) and every reference resolves inside the bundle."""
    Bundle.model_validate(bundle)
    assert bundle["type"] == "document"
    assert bundle["entry"][0]["resource"]["resourceType"] == "Composition"
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}

    def references(node):
        if isinstance(node, dict):
            if "reference" in node:
                yield node["reference"]
            for value in node.values():
                yield from references(value)
        elif isinstance(node, list):
            for value in node:
                yield from references(value)

    dangling = set(references(bundle)) - full_urls
    assert not dangling, dangling


def test_own_book_exports_as_a_valid_patient_summary(client, parties):
    response = client.get(book("me", "/fhir"), headers=parties.as_citizen(AN))
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    bundle = response.get_json()
    assert_valid_document(bundle)
    composition = bundle["entry"][0]["resource"]
    titles = [s["title"] for s in composition["section"]]
    assert titles[:3] == [
        "Problem list",
        "Allergies and adverse reactions",
        "History of medication use",
    ]
    assert {r["resourceType"] for r in resources(bundle)} >= {
        "Composition", "Patient", "Organization", "Practitioner", "Condition", "AllergyIntolerance",
        "MedicationRequest", "Observation", "Encounter",
    }  # fmt: skip
    patient = resources(bundle, "Patient")[0]
    assert patient["name"] == [{"text": "Nguyễn Văn An"}]
    hb = next(
        o
        for o in resources(bundle, "Observation")
        if o["code"]["coding"][0]["code"] == "6690-2"
    )
    assert hb["valueQuantity"] == {
        "value": 11.2,
        "unit": "10*9/L",
        "system": "http://unitsofmeasure.org",
        "code": "10*9/L",
    }


def test_childs_immunizations_export_for_the_guardian(client, parties, citizen):
    bundle = client.get(
        book(citizen(BINH).id, "/fhir"), headers=parties.as_citizen(AN)
    ).get_json()
    assert_valid_document(bundle)
    doses = resources(bundle, "Immunization")
    assert len(doses) == 14
    assert {d["protocolApplied"][0]["series"] for d in doses} == {"TCMR"}


def test_export_under_a_view_only_consent_is_refused(client, parties, citizen):
    an = citizen(AN)
    grant(
        client,
        parties,
        an.id,
        categories=["allergies", "conditions"],
        data_from="2000-01-01",
    )
    response = client.get(book(an.id, "/fhir"), headers=parties.clinic())
    assert assert_problem(response, 403, "consent-required")["reason"] == "view-only"


def test_a_refused_export_names_the_granted_categorys_reason(client, parties, citizen):
    """A view-only consent for one category, not the first section's: the export is
    refused because the consent is view-only, not because allergies were never
    granted (a newcomer following the README met the less telling reason)."""
    an = citizen(AN)
    grant(client, parties, an.id, categories=["immunizations"], data_from="2000-01-01")
    response = client.get(book(an.id, "/fhir"), headers=parties.clinic())
    assert assert_problem(response, 403, "consent-required")["reason"] == "view-only"


def test_export_leaks_nothing_outside_the_consent(client, parties, citizen):
    an = citizen(AN)
    grant(
        client,
        parties,
        an.id,
        categories=["allergies"],
        data_from="2000-01-01",
        access_mode="store",
    )
    response = client.get(book(an.id, "/fhir"), headers=parties.clinic())
    assert response.status_code == 200
    bundle = response.get_json()
    assert_valid_document(bundle)
    kinds = {r["resourceType"] for r in resources(bundle)}
    assert "AllergyIntolerance" in kinds
    assert not kinds & {
        "Condition",
        "MedicationRequest",
        "Observation",
        "Encounter",
        "Immunization",
    }
    sections = {s["title"]: s for s in bundle["entry"][0]["resource"]["section"]}
    assert sections["Problem list"]["emptyReason"]["coding"][0]["code"] == "withheld"
    assert "entry" not in sections["Problem list"]
    patient = resources(bundle, "Patient")[0]
    # Identity was not consented: the name is there only as "masked".
    assert [set(name) for name in patient["name"]] == [{"_text"}]
    assert AN not in response.get_data(as_text=True)
    assert "Tăng huyết áp" not in response.get_data(as_text=True)


def open_window(client, parties, citizen, subject):
    return client.post(
        f"/api/v1/citizens/{subject}/emergency-access",
        json={"reason": "Bệnh nhân bất tỉnh tại phòng cấp cứu"},
        headers=parties._headers(
            citizen(CUC),
            org=parties.organisation(CLINIC),
            role="doctor",
            acr="urn:vneid:loa:2",
            auth_time=utcnow(),
        ),
    )


def test_emergency_access_opens_the_summary_only(client, parties, citizen):
    an = citizen(AN)
    opened = open_window(client, parties, citizen, an.id)
    assert opened.status_code == 201
    window = opened.get_json()
    assert window["reason"] == "Bệnh nhân bất tỉnh tại phòng cấp cứu"

    summary = client.get(book(an.id, "/emergency-summary"), headers=parties.clinic())
    assert summary.status_code == 200
    body = summary.get_json()
    assert body["blood_group"] == "O+"
    assert [a["substance"] for a in body["allergies"]] == ["Hải sản (tôm, cua)"]
    assert [c["icd10_code"] for c in body["active_conditions"]] == ["I10"]
    assert [m["medication"] for m in body["current_medications"]] == ["Amlodipine 5 mg"]
    for category in ("conditions", "encounters", "observations"):
        assert_problem(
            client.get(book(an.id, f"/{category}"), headers=parties.clinic()),
            403,
            "consent-required",
        )

    flagged = [e for e in events(an.id) if e.basis.value == "emergency"]
    assert [e.action for e in flagged] == ["break_glass_start", "read"]
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "consent.break_glass")
    )
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.citizen_id == an.id)
    ).all()
    assert "emergency_access" in kinds


def test_a_colleague_cannot_read_through_another_doctors_window(
    client, parties, citizen, auth_headers
):
    """The window is the opening doctor's: a second doctor of the clinic is refused."""
    an, clinic = citizen(AN), parties.organisation(CLINIC)
    second_doctor = factories.staff(clinic, Role.DOCTOR)
    assert open_window(client, parties, citizen, an.id).status_code == 201
    colleague = auth_headers(second_doctor, org=clinic, role="doctor")

    refused = client.get(book(an.id, "/emergency-summary"), headers=colleague)

    assert_problem(refused, 403, "consent-required")
    assert "blood_group" not in refused.get_json()
    mine = [e for e in events(an.id) if e.actor_id == second_doctor.id]
    assert [(e.action, e.outcome) for e in mine] == [("read", "deny")]
    # The opening doctor still reads.
    assert (
        client.get(
            book(an.id, "/emergency-summary"), headers=parties.clinic()
        ).status_code
        == 200
    )


def test_emergency_window_closes_after_thirty_minutes(client, parties, citizen):
    an = citizen(AN)
    open_window(client, parties, citizen, an.id)
    db.session.execute(
        sa.update(EmergencyAccess).values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert_problem(
        client.get(book(an.id, "/emergency-summary"), headers=parties.clinic()),
        403,
        "consent-required",
    )


def test_emergency_for_a_child_notifies_the_guardian(client, parties, citizen):
    binh = citizen(BINH)
    assert open_window(client, parties, citizen, binh.id).status_code == 201
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.citizen_id == citizen(AN).id)
    ).all()
    assert "emergency_access" in kinds


def test_emergency_access_needs_a_doctor_with_step_up(
    client, parties, citizen, auth_headers
):
    an, clinic = citizen(AN), parties.organisation(CLINIC)
    nurse = factories.staff(clinic, Role.NURSE)
    nurse_like = client.post(
        f"/api/v1/citizens/{an.id}/emergency-access",
        json={"reason": "Bệnh nhân bất tỉnh tại phòng cấp cứu"},
        headers=auth_headers(nurse, org=clinic, role="nurse", auth_time=utcnow()),
    )
    assert_problem(nurse_like, 403, "forbidden")
    stale = client.post(
        f"/api/v1/citizens/{an.id}/emergency-access",
        json={"reason": "Bệnh nhân bất tỉnh tại phòng cấp cứu"},
        headers=auth_headers(
            citizen(CUC),
            org=parties.organisation(CLINIC),
            role="doctor",
            auth_time=utcnow() - timedelta(minutes=6),
        ),
    )
    assert_problem(stale, 401, "insufficient-user-authentication")
    no_reason = client.post(
        f"/api/v1/citizens/{an.id}/emergency-access",
        json={"reason": "gấp"},
        headers=auth_headers(
            citizen(CUC),
            org=parties.organisation(CLINIC),
            role="doctor",
            auth_time=utcnow(),
        ),
    )
    assert "reason" in assert_problem(no_reason, 422, "validation-failed")["errors"]


def test_emergency_accesses_are_listed_for_review_by_someone_else(
    client, parties, citizen, auth_headers
):
    an = citizen(AN)
    window = open_window(client, parties, citizen, an.id).get_json()
    listed = client.get(
        "/api/v1/emergency-accesses?unreviewed=true", headers=parties.clinic()
    ).get_json()
    assert [w["id"] for w in listed["items"]] == [window["id"]]
    own = client.post(
        f"/api/v1/emergency-accesses/{window['id']}/review",
        json={"note": "Hợp lệ"},
        headers=parties.clinic(),
    )
    assert_problem(own, 403, "forbidden")
    assert_problem(
        client.get("/api/v1/emergency-accesses", headers=parties.as_citizen(HAI)),
        403,
        "forbidden",
    )

    clinic = parties.organisation(CLINIC)
    admin = factories.staff(clinic, Role.ORG_ADMIN)
    reviewed = client.post(
        f"/api/v1/emergency-accesses/{window['id']}/review",
        json={"note": "Đã xác minh: cấp cứu thật"},
        headers=auth_headers(admin, org=clinic, role="org_admin"),
    )
    assert reviewed.status_code == 200
    assert reviewed.get_json()["reviewed_by"] == str(admin.id)
    assert (
        client.get(
            "/api/v1/emergency-accesses?unreviewed=true", headers=parties.clinic()
        ).get_json()["items"]
        == []
    )


def test_a_review_is_final(client, parties, citizen, auth_headers):
    """Found by a reviewer reading the code: a second review silently replaced the
    first reviewer, note and time on the record (only the audit kept both)."""
    window = open_window(client, parties, citizen, citizen(AN).id).get_json()
    clinic = parties.organisation(CLINIC)
    first, second = (factories.staff(clinic, Role.ORG_ADMIN) for _ in range(2))
    url = f"/api/v1/emergency-accesses/{window['id']}/review"
    reviewed = client.post(
        url,
        json={"note": "Đã xác minh: cấp cứu thật"},
        headers=auth_headers(first, org=clinic, role="org_admin"),
    )
    assert reviewed.status_code == 200
    again = client.post(
        url,
        json={"note": "Xem lại"},
        headers=auth_headers(second, org=clinic, role="org_admin"),
    )
    assert_problem(again, 409, "emergency-access-reviewed")
    kept = client.get(
        "/api/v1/emergency-accesses", headers=parties.clinic()
    ).get_json()["items"]
    assert [(w["reviewed_by"], w["review_note"]) for w in kept] == [
        (str(first.id), "Đã xác minh: cấp cứu thật")
    ]


def test_a_window_opened_for_one_patient_opens_no_other(client, parties, citizen):
    """Cúc's window on An does not open Hải's emergency summary to her."""
    an, hai = citizen(AN), citizen(HAI)
    assert open_window(client, parties, citizen, an.id).status_code == 201

    refused = client.get(book(hai.id, "/emergency-summary"), headers=parties.clinic())

    assert_problem(refused, 403, "consent-required")
    assert "blood_group" not in refused.get_json()
    assert [(e.action, e.outcome) for e in events(hai.id)] == [("read", "deny")]
