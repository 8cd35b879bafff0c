"""Clinics write and correct; nobody edits in place; validation names the field."""

from __future__ import annotations

import pytest

from health_book import coding
from identity.models import Role
from tests import factories
from tests.consent.helpers import grant
from tests.demo_ids import AN, CLINIC, CUC, DUNG, SCHOOL
from tests.health_book.helpers import book
from tests.problems import assert_problem

ALLERGY = factories.RECORDS["allergies"]


def test_a_record_names_the_clinic_and_its_author(
    client, parties, citizen, organisation
):
    response = client.post(
        book(citizen(AN).id, "/allergies"), json=ALLERGY, headers=parties.clinic()
    )
    assert response.status_code == 201
    record = response.get_json()
    assert record["clinic_id"] == str(organisation(CLINIC).id)
    assert record["author_id"] == str(citizen(CUC).id)
    assert record["supersedes_id"] is None


def test_writing_gives_no_read_access(client, parties, citizen):
    an = citizen(AN)
    client.post(book(an.id, "/allergies"), json=ALLERGY, headers=parties.clinic())
    assert_problem(
        client.get(book(an.id, "/allergies"), headers=parties.clinic()),
        403,
        "consent-required",
    )


@pytest.mark.parametrize("who", ["citizen", "teacher"])
def test_only_clinicians_write(client, parties, citizen, who):
    headers = (
        parties.as_citizen(AN)
        if who == "citizen"
        else parties.as_staff(DUNG, SCHOOL, "teacher")
    )
    response = client.post(
        book(citizen(AN).id, "/allergies"), json=ALLERGY, headers=headers
    )
    assert_problem(response, 403, "forbidden")


def test_correction_keeps_both_versions(client, parties, citizen):
    an = citizen(AN)
    first = client.post(
        book(an.id, "/allergies"), json=ALLERGY, headers=parties.clinic()
    ).get_json()
    corrected = client.post(
        book(an.id, f"/allergies/{first['id']}/corrections"),
        json=ALLERGY
        | {"substance": "Amoxicillin", "correction_reason": "Nhầm tên thuốc"},
        headers=parties.clinic(),
    )
    assert corrected.status_code == 201
    new = corrected.get_json()
    assert new["supersedes_id"] == first["id"]
    assert new["correction_reason"] == "Nhầm tên thuốc"

    current = client.get(
        book("me", "/allergies"), headers=parties.as_citizen(AN)
    ).get_json()["items"]
    assert "Penicillin" not in [a["substance"] for a in current]
    assert "Amoxicillin" in [a["substance"] for a in current]
    history = client.get(
        book("me", f"/allergies/{first['id']}/history"), headers=parties.as_citizen(AN)
    ).get_json()
    assert [v["substance"] for v in history] == ["Penicillin", "Amoxicillin"]
    assert history[0]["superseded_at"] is not None

    again = client.post(
        book(an.id, f"/allergies/{first['id']}/corrections"),
        json=ALLERGY | {"correction_reason": "lần hai"},
        headers=parties.clinic(),
    )
    assert_problem(again, 409, "record-superseded")


def test_a_clinic_corrects_only_its_own_records(client, parties, citizen, auth_headers):
    an = citizen(AN)
    first = client.post(
        book(an.id, "/allergies"), json=ALLERGY, headers=parties.clinic()
    ).get_json()
    other = factories.clinic()
    doctor = factories.staff(other, Role.DOCTOR)
    response = client.post(
        book(an.id, f"/allergies/{first['id']}/corrections"),
        json=ALLERGY | {"correction_reason": "x" * 5},
        headers=auth_headers(doctor, org=other, role="doctor"),
    )
    assert_problem(response, 404, "not-found")


@pytest.mark.parametrize("card", ["DN4740123456789", "0123456789", "dn 474 0123456789"])
def test_bhyt_formats_normalise_to_the_same_number(client, parties, citizen, card):
    response = client.post(
        book(citizen(AN).id, "/profile"),
        json={"record_date": "2026-11-20", "blood_group": "O+", "bhyt_number": card},
        headers=parties.clinic(),
    )
    assert response.status_code == 201
    assert response.get_json()["bhyt_number"] == "0123456789"


@pytest.mark.parametrize(
    "card",
    [
        "DN474012345678",
        "XY9740123456789",
        "012345678",
        "ABCDEFGHIJ",
        "DN47401234567890",
    ],
)
def test_invalid_bhyt_is_a_field_error(client, parties, citizen, card):
    response = client.post(
        book(citizen(AN).id, "/profile"),
        json={"record_date": "2026-11-20", "bhyt_number": card},
        headers=parties.clinic() | {"Accept-Language": "en"},
    )
    assert assert_problem(response, 422, "validation-failed")["errors"] == {
        "bhyt_number": [coding.BHYT_ERROR]
    }


def test_new_profile_supersedes_the_old(client, parties, citizen):
    an = citizen(AN)
    client.post(
        book(an.id, "/profile"),
        json={"record_date": "2026-11-20", "weight_kg": "70.5"},
        headers=parties.clinic(),
    )
    profile = client.get(
        book("me", "/profile"), headers=parties.as_citizen(AN)
    ).get_json()
    assert profile["weight_kg"] == "70.5"
    assert profile["supersedes_id"] is not None


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/conditions", {"record_date": "2026-11-20", "icd10_code": "J2", "description": "x", "clinical_status": "active"}, "icd10_code"),
        ("/observations", {"record_date": "2026-11-20", "category": "laboratory", "loinc_code": "718-7", "name": "Hb",
                           "value": "13", "unit": "grams", "effective_at": "2026-11-20T02:00:00+00:00"}, "unit"),
        ("/observations", {"record_date": "2026-11-20", "category": "laboratory", "loinc_code": "718-7", "name": "Hb",
                           "value": "13", "unit": "g/dL", "reference_low": "17", "reference_high": "12",
                           "effective_at": "2026-11-20T02:00:00+00:00"}, "reference_high"),
        ("/encounters", {"record_date": "2026-11-20", "encounter_class": "inpatient", "reason": "x",
                         "admitted_at": "2026-11-20T02:00:00+00:00", "discharged_at": "2026-11-19T02:00:00+00:00"}, "discharged_at"),
        ("/immunizations", {"record_date": "2026-11-20", "vaccine_code": "08", "vaccine_name": "VGB", "dose_number": 0,
                            "programme": "expanded"}, "dose_number"),
    ],
)  # fmt: skip
def test_clinical_validation_names_the_field(
    client, parties, citizen, path, body, field
):
    response = client.post(
        book(citizen(AN).id, path), json=body, headers=parties.clinic()
    )
    assert field in assert_problem(response, 422, "validation-failed")["errors"]


def test_each_category_round_trips(client, parties, citizen):
    an = citizen(AN)
    bodies = {
        "/conditions": {"record_date": "2026-11-20", "icd10_code": "E11.9", "description": "Đái tháo đường típ 2", "clinical_status": "active"},
        "/immunizations": {"record_date": "2026-11-20", "vaccine_code": "141", "vaccine_name": "Cúm mùa", "dose_number": 1, "programme": "other"},
        "/encounters": {"record_date": "2026-11-20", "encounter_class": "remote", "reason": "Tư vấn từ xa", "admitted_at": "2026-11-20T02:00:00+00:00"},
        "/medications": {"record_date": "2026-11-20", "medication": "Metformin 500 mg", "atc_code": "A10BA02", "dosage": "1 viên x 2", "status": "active"},
        "/observations": {"record_date": "2026-11-20", "category": "laboratory", "loinc_code": "4548-4", "name": "HbA1c", "value": "7.1",
                          "unit": "%", "reference_low": "4", "reference_high": "6", "effective_at": "2026-11-20T02:00:00+00:00"},
    }  # fmt: skip
    grant(
        client,
        parties,
        an.id,
        categories=[
            "conditions",
            "immunizations",
            "encounters",
            "medications",
            "observations",
        ],
        data_from="2026-11-01",
    )
    for path, body in bodies.items():
        written = client.post(book(an.id, path), json=body, headers=parties.clinic())
        assert written.status_code == 201, written.get_json()
        listed = client.get(
            book(an.id, path + "?from=2026-11-20&to=2026-11-20"),
            headers=parties.clinic(),
        ).get_json()["items"]
        assert [r["id"] for r in listed] == [written.get_json()["id"]]
        # Every category's generated routes keep versions and hide alike.
        first = written.get_json()["id"]
        corrected = client.post(
            book(an.id, f"{path}/{first}/corrections"),
            json=body | {"correction_reason": "Sửa lỗi nhập"},
            headers=parties.clinic(),
        )
        assert corrected.status_code == 201, corrected.get_json()
        second = corrected.get_json()["id"]
        assert corrected.get_json()["supersedes_id"] == first
        history = client.get(
            book("me", f"{path}/{first}/history"), headers=parties.as_citizen(AN)
        ).get_json()
        assert [version["id"] for version in history] == [first, second]
        for action, hidden in (("hide", True), ("unhide", False)):
            answer = client.post(
                book("me", f"{path}/{second}/{action}"), headers=parties.as_citizen(AN)
            )
            assert answer.status_code == 200, answer.get_json()
            assert answer.get_json()["hidden"] is hidden
