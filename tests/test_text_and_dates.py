"""Issue 12, finding 7: people's text in one form without invisible characters,
dates within sane bounds, free-form maps of bounded size.

Names typed in NFC and NFD looked the same and compared different; U+200D, U+202E
and NUL were accepted (NUL then fails on PostgreSQL); a child born on 9999-12-31,
an apology to 9999-12-31 and a consent valid until 9999-12-31T23:59:59-12:00 got
through (the last as a 500).
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.date_fields import local_today
from app.extensions import db
from identity import services as identity_services
from identity.models import Citizen
from service_requests.models import Dossier
from tests.consent.helpers import request_body
from tests.demo_ids import AN, CLINIC, CUC, DUNG
from tests.factories import VALID_CITIZEN
from tests.problems import assert_georeport_errors, assert_problem
from tests.service_requests.helpers import Shop

NAME = "Trương Minh Khoa"
INVISIBLE = {"zwj": "\u200d", "rlo": "\u202e", "nul": "\x00", "isolate": "\u2066"}


@pytest.fixture
def shop(client, citizen, organisation, auth_headers) -> Shop:
    return Shop(client, citizen, organisation, auth_headers)


@pytest.fixture
def clinic(citizen, organisation, auth_headers) -> dict[str, str]:
    return auth_headers(citizen(CUC), org=organisation(CLINIC), role="doctor")


def test_a_name_typed_in_nfd_is_stored_and_found_in_nfc(probe, citizen, auth_headers):
    decomposed = unicodedata.normalize("NFD", NAME)
    assert decomposed != NAME
    response = probe.post(
        "/_probe/citizens",
        json=dict(VALID_CITIZEN, full_name=decomposed),
        headers=auth_headers(citizen(AN)),
    )
    assert response.status_code == 201
    assert response.get_json()["full_name"] == NAME
    stored = db.session.scalar(
        sa.select(Citizen).where(Citizen.full_name == NAME)  # the NFC spelling
    )
    assert stored is not None
    assert stored.national_id == VALID_CITIZEN["national_id"]


def test_the_register_itself_normalises_what_it_is_given(app):
    citizen = identity_services.register_citizen(
        dict(
            VALID_CITIZEN,
            full_name=unicodedata.normalize("NFD", NAME),
            birth_date="2001-05-06",
        )
    )
    assert citizen.full_name == NAME


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_in_a_name_are_refused(probe, citizen, auth_headers, char):
    response = probe.post(
        "/_probe/citizens",
        json=dict(VALID_CITIZEN, full_name=f"Trương{char} Minh Khoa"),
        headers={**auth_headers(citizen(AN)), "Accept-Language": "en"},
    )
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    assert errors == {
        "full_name": [
            "Must not contain control or invisible formatting characters "
            f"(U+{ord(char):04X})."
        ]
    }
    vietnamese = probe.post(
        "/_probe/citizens",
        json=dict(VALID_CITIZEN, full_name=f"Trương{char} Minh Khoa"),
        headers=auth_headers(citizen(AN)),
    )
    assert assert_problem(vietnamese, 422, "validation-failed")["errors"] == {
        "full_name": [
            "Không được chứa ký tự điều khiển hoặc ký tự định dạng ẩn "
            f"(U+{ord(char):04X})."
        ]
    }


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_are_refused_in_every_domains_free_text(
    client, citizen, clinic, shop, char
):
    an = citizen(AN)
    allergy = client.post(
        f"/api/v1/citizens/{an.id}/health-book/allergies",
        json={
            "record_date": "2026-11-20",
            "substance": f"Peni{char}cillin",
            "category": "medication",
            "criticality": "high",
        },
        headers=clinic,
    )
    assert "substance" in assert_problem(allergy, 422, "validation-failed")["errors"]
    consent = client.post(
        "/api/v1/consent-requests",
        json=request_body(an.id, note=f"Khám{char} lại"),
        headers=clinic,
    )
    assert "note" in assert_problem(consent, 422, "validation-failed")["errors"]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Dossier))
    dossier = shop.client.post(
        "/api/v1/dossiers",
        json=shop.business_body(business_name=f"Tạp hóa{char} An"),
        headers=shop.as_citizen(),
    )
    errors = assert_problem(dossier, 422, "validation-failed")["errors"]
    assert "form.business_name" in errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == before


def test_line_breaks_are_refused_in_a_name_and_kept_in_a_comment(
    probe, client, citizen, auth_headers, clinic
):
    name = probe.post(
        "/_probe/citizens",
        json=dict(VALID_CITIZEN, full_name="Trương Minh\nKhoa"),
        headers=auth_headers(citizen(AN)),
    )
    assert "full_name" in assert_problem(name, 422, "validation-failed")["errors"]
    note = client.post(
        "/api/v1/consent-requests",
        json=request_body(citizen(AN).id, note="Dòng một\nDòng hai"),
        headers=clinic,
    )
    assert note.status_code == 201
    assert note.get_json()["note"] == "Dòng một\nDòng hai"


def test_an_identifier_with_look_alike_digits_is_no_match(client, citizen, clinic):
    # A fullwidth "1" (U+FF11) matched the regex's \d: "074095000101" it is not.
    body = request_body(citizen(AN).id)
    body["national_id"] = "07409500010\uff11"
    del body["subject_id"]
    response = client.post("/api/v1/consent-requests", json=body, headers=clinic)
    assert "national_id" in assert_problem(response, 422, "validation-failed")["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "090\u0661234567"), ("phone", "090\uff11234567")],
)
def test_the_register_takes_ascii_digits_only(
    probe, citizen, auth_headers, field, value
):
    response = probe.post(
        "/_probe/citizens",
        json=dict(VALID_CITIZEN, **{field: value}),
        headers=auth_headers(citizen(AN)),
    )
    assert field in assert_problem(response, 422, "validation-failed")["errors"]


def test_invisible_characters_in_a_path_or_query_are_refused(
    client, citizen, auth_headers
):
    assert_problem(client.get("/api/v1/procedures/1.001193%00"), 404, "not-found")
    response = client.get(
        "/open311/v2/requests.json?service_code=1.001193%00",
        headers=auth_headers(citizen(AN)),
    )
    assert list(assert_georeport_errors(response, 400)) == ["query.service_code"]


def test_a_childs_birth_date_of_9999_12_31_is_refused(shop):
    body = {
        "procedure_code": "1.001193",
        "form": {
            "child_full_name": "Nguyễn Văn Bé",
            "child_birth_date": "9999-12-31",
            "child_sex": "male",
            "birth_place": "Bệnh viện Đa khoa Bình Dương",
            "ethnicity": "Kinh",
            "relationship": "father",
        },
    }
    response = shop.client.post(
        "/api/v1/dossiers",
        json=body,
        headers={**shop.as_citizen(), "Accept-Language": "en"},
    )
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    today = local_today()
    assert errors["form.child_birth_date"] == [
        f"Must be a day from 1900-01-01 to {today.isoformat()}."
    ]
    # Not tomorrow either: a birth date has happened.
    body["form"]["child_birth_date"] = (today + timedelta(days=1)).isoformat()
    again = shop.client.post("/api/v1/dossiers", json=body, headers=shop.as_citizen())
    errors = assert_problem(again, 422, "validation-failed")["errors"]
    assert "form.child_birth_date" in errors


def test_a_birth_date_in_the_future_or_before_1900_is_refused(
    probe, citizen, auth_headers
):
    for day in ("9999-12-31", "1899-12-31"):
        response = probe.post(
            "/_probe/citizens",
            json=dict(VALID_CITIZEN, birth_date=day),
            headers=auth_headers(citizen(AN)),
        )
        assert (
            "birth_date" in assert_problem(response, 422, "validation-failed")["errors"]
        )


def test_an_apology_to_9999_12_31_is_refused(shop):
    dossier = shop.submit()
    response = shop.client.post(
        f"/api/v1/dossiers/{dossier['id']}/apology",
        json={"reason": "Cần xác minh thêm", "new_due_date": "9999-12-31"},
        headers=shop.officer(),
    )
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    assert list(errors) == ["new_due_date"]
    assert shop.read(dossier["id"]).get_json()["apology_due_date"] is None


@pytest.mark.parametrize(
    "valid_until",
    ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+01:00"],
)
def test_a_consent_valid_until_far_beyond_any_horizon_is_a_422(
    client, citizen, clinic, valid_until
):
    response = client.post(
        "/api/v1/consent-requests",
        json=request_body(citizen(AN).id, valid_until=valid_until),
        headers=clinic,
    )
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    assert list(errors) == ["valid_until"]


def test_a_dossier_form_has_bounded_entries_and_size(shop):
    many = shop.business_body(**{f"extra_{i}": "x" for i in range(60)})
    response = shop.client.post(
        "/api/v1/dossiers",
        json=many,
        headers={**shop.as_citizen(), "Accept-Language": "en"},
    )
    assert assert_problem(response, 422, "validation-failed")["errors"]["form"] == [
        "At most 50 entries."
    ]
    nested = shop.business_body(business_lines=[["Bán lẻ"]])
    response = shop.client.post(
        "/api/v1/dossiers", json=nested, headers=shop.as_citizen()
    )
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    assert "form.business_lines.0" in errors


def test_a_transcript_content_is_bounded_in_size(
    client, citizen, organisation, auth_headers
):
    from tests.demo_ids import SCHOOL
    from tests.school_records.helpers import draft_body

    teacher = auth_headers(citizen(DUNG), org=organisation(SCHOOL), role="teacher")
    body = draft_body(citizen("074314000102").id)
    body["content"]["homeroom_comment"] = "Chăm ngoan. " * 7000  # ~80 KB
    response = client.post(
        f"/api/v1/schools/{organisation(SCHOOL).id}/transcripts",
        json=body,
        headers={**teacher, "Accept-Language": "en"},
    )
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    assert errors["content"] == ["Larger than 65536 bytes as JSON."]
