"""The register refuses national ids whose structure contradicts the person."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
import pytest

from identity import national_id
from identity.schemas import CitizenRegistrationSchema
from tests.demo_ids import AN
from tests.factories import VALID_CITIZEN
from tests.problems import assert_problem


def register(**changes):
    return CitizenRegistrationSchema().load(dict(VALID_CITIZEN, **changes))


@pytest.mark.parametrize(
    ("number", "birth_date", "sex"),
    [
        ("074095000101", "1995-03-14", "male"),
        ("074314000102", "2014-09-02", "female"),
        ("001190123456", "1990-01-01", "female"),
        ("079201123456", "2001-05-06", "male"),
        ("096322000001", "2022-12-31", "female"),
    ],
)
def test_well_formed_numbers_are_accepted(number, birth_date, sex):
    loaded = register(national_id=number, birth_date=birth_date, sex=sex)
    assert loaded["national_id"] == number


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"national_id": "07920112345"}, national_id.FORMAT_ERROR),
        ({"national_id": "0792011234567"}, national_id.FORMAT_ERROR),
        ({"national_id": "07920112345A"}, national_id.FORMAT_ERROR),
        ({"national_id": "079 01123456"}, national_id.FORMAT_ERROR),
        ({"national_id": "003201123456"}, "Unknown province code 003."),
        ({"national_id": "999201123456"}, "Unknown province code 999."),
        # 0 means a man born in the 1900s; the birth date says 2001.
        ({"national_id": "079001123456"}, national_id.CENTURY_ERROR),
        # 3 means a woman born in the 2000s; the register says male.
        ({"national_id": "079301123456"}, national_id.CENTURY_ERROR),
        ({"national_id": "079299123456"}, national_id.YEAR_ERROR),
    ],
)
def test_malformed_or_inconsistent_numbers_are_field_errors(changes, message):
    with pytest.raises(ma.ValidationError) as refused:
        register(**changes)
    assert message in refused.value.messages["national_id"]


def test_century_digit_covers_every_century_and_sex():
    assert national_id.century_sex_digit(date(1950, 1, 1), "male") == 0
    assert national_id.century_sex_digit(date(1950, 1, 1), "female") == 1
    assert national_id.century_sex_digit(date(2000, 1, 1), "male") == 2
    assert national_id.century_sex_digit(date(2100, 1, 1), "female") == 5
    assert national_id.century_sex_digit(date(2399, 1, 1), "female") == 9
    with pytest.raises(ValueError, match="century"):
        national_id.century_sex_digit(date(1899, 12, 31), "male")


def test_phone_numbers_are_normalised_or_refused():
    assert register(phone="091 200 0101")["phone"] == "+84912000101"
    assert register(phone="+84912000101")["phone"] == "+84912000101"
    with pytest.raises(ma.ValidationError) as refused:
        register(phone="12345")
    assert refused.value.messages == {"phone": ["Not a valid Vietnamese phone number."]}


def test_future_birth_date_is_refused():
    with pytest.raises(ma.ValidationError) as refused:
        register(birth_date="2999-01-01", national_id="079899123456")
    assert "birth_date" in refused.value.messages


def test_invalid_national_id_over_http_is_422_with_localised_field_error(
    probe, citizen, auth_headers
):
    body = dict(VALID_CITIZEN, national_id="079001123456")
    response = probe.post(
        "/_probe/citizens", json=body, headers=auth_headers(citizen(AN))
    )
    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"] == {
        "national_id": [
            "Chữ số thế kỷ và giới tính không khớp với ngày sinh và giới tính."
        ]
    }
