"""Issue 12, finding 6: edge input is a 4xx problem, never a server error.

A body nested a thousand deep, a 5 000-digit integer, a 400-digit number in a
form field, a ``max_age`` of 5 000 digits: each was a 500. JSON bodies are parsed
at the edge within bounds (``app.json_body``), and every number a field takes is
bounded.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets

import pytest

from service_requests import georeport
from tests.demo_ids import AN, BUSINESS, CLINIC, CUC
from tests.problems import assert_georeport_errors, assert_problem
from tests.service_requests.helpers import Shop

VERIFY = "/api/v1/transcripts/verify"


@pytest.fixture
def shop(client, citizen, organisation, auth_headers) -> Shop:
    return Shop(client, citizen, organisation, auth_headers)


def _post_raw(client, path, raw, headers=None):
    return client.post(
        path, data=raw, content_type="application/json", headers=headers or {}
    )


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 1000 + "]" * 1000,
        '{"credential": ' + "[" * 1000 + "]" * 1000 + "}",
        '{"credential": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"a": ' + '{"b": ' * 40 + "1" + "}" * 40 + "}",
    ],
    ids=["array-1000", "field-1000", "field-100000", "object-41"],
)
def test_json_nested_too_deep_is_a_400_problem_on_the_public_verifier(client, raw):
    response = _post_raw(client, VERIFY, raw, {"Accept-Language": "en"})
    body = assert_problem(response, 400, "json-too-deep")
    assert "32 levels" in body["detail"]


@pytest.mark.parametrize(
    "number", ["9" * 5000, "9" * 400, "1e400", "-1e999", "NaN", "Infinity"]
)
def test_a_huge_or_non_finite_number_is_a_400_problem(client, number):
    response = _post_raw(client, VERIFY, '{"credential": ' + number + "}")
    body = assert_problem(response, 400, "json-number-too-large")
    assert body["title"] == "Số quá lớn"


def test_the_bounds_hold_on_authenticated_endpoints_before_the_view(
    client, citizen, auth_headers
):
    response = _post_raw(
        client,
        "/api/v1/dossiers",
        '{"procedure_code": "'
        + BUSINESS
        + '", "form": {"capital_vnd": '
        + "9" * 5000
        + "}}",
        auth_headers(citizen(AN)),
    )
    assert_problem(response, 400, "json-number-too-large")


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("part", ["header", "payload"])
def test_a_credential_whose_jwt_nests_too_deep_is_malformed_not_a_500(client, part):
    deep = _b64('{"a": ' + "[" * 1100 + "]" * 1100 + "}")
    plain = _b64('{"alg": "ES256", "typ": "vc+jwt"}')
    header, payload = (deep, _b64("{}")) if part == "header" else (plain, deep)
    response = client.post(VERIFY, json={"credential": f"{header}.{payload}.c2ln"})
    assert response.status_code == 200
    report = response.get_json()
    assert report["verified"] is False
    assert report["checks"][0]["problem"] == "MALFORMED"


def test_a_400_digit_number_in_a_dossier_form_field_is_refused(shop):
    body = shop.business_body()
    headers = {**shop.as_citizen(), "Accept-Language": "en"}
    # Python's own encoder writes up to 4300 digits; the edge refuses 400.
    body["form"]["capital_vnd"] = 10**400
    response = shop.client.post(
        "/api/v1/dossiers",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )
    assert_problem(response, 400, "json-number-too-large")
    # Within the edge's 40 characters, the field's own bound.
    body["form"]["capital_vnd"] = 10**30
    response = shop.client.post("/api/v1/dossiers", json=body, headers=headers)
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    assert errors["form.capital_vnd"] == [
        "Must be greater than or equal to -9007199254740991 and less than or equal "
        "to 9007199254740991."
    ]


def test_a_400_digit_number_in_an_open311_form_post_is_refused(shop):
    response = shop.client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": georeport.issue_key("Thử số lớn"),
            "address_string": "Số 1 đường Thử",
            "service_code": BUSINESS,
            "attribute[business_name]": "Tạp hóa Thử",
            "attribute[address]": "Số 1 đường Thử",
            "attribute[business_lines]": "Bán lẻ",
            "attribute[capital_vnd]": "9" * 300,
        },
        headers=shop.as_citizen(),
    )
    assert "form.capital_vnd" in assert_georeport_errors(response, 400)


def test_integer_fields_are_bounded_even_without_their_own_range(shop):
    dossier = shop.submit()
    response = shop.client.post(
        f"/api/v1/dossiers/{dossier['id']}/payments",
        data='{"amount": ' + "9" * 30 + "}",
        content_type="application/json",
        headers=shop.as_citizen(),
    )
    assert "amount" in assert_problem(response, 422, "validation-failed")["errors"]


def test_an_observation_beyond_its_column_is_a_422(
    client, citizen, organisation, auth_headers
):
    clinic = auth_headers(citizen(CUC), org=organisation(CLINIC), role="doctor")
    response = client.post(
        f"/api/v1/citizens/{citizen(AN).id}/health-book/observations",
        json={
            "record_date": "2026-11-20",
            "category": "vital-signs",
            "loinc_code": "8310-5",
            "name": "Nhiệt độ",
            "value": "1" + "0" * 20,
            "unit": "Cel",
            "effective_at": "2026-11-20T02:30:00+00:00",
        },
        headers=clinic,
    )
    assert "value" in assert_problem(response, 422, "validation-failed")["errors"]


@pytest.mark.parametrize("max_age", ["9" * 5000, "²", "9" * 11])
def test_vneid_authorize_refuses_a_max_age_that_is_no_small_number(client, max_age):
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    response = client.get(
        "/vneid/authorize",
        query_string={
            "response_type": "code",
            "client_id": "congdan-app",
            "redirect_uri": "http://localhost/callback",
            "scope": "openid",
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "max_age": max_age,
        },
    )
    # An OAuth error sent back to the client, as for any invalid request.
    assert response.status_code == 302
    assert "error=invalid_request" in response.headers["Location"]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_invalid_utf8_in_a_json_body_is_malformed_json(client, language):
    """Issue 12 review, finding 3: it was "number too large"."""
    response = _post_raw(
        client,
        "/api/v1/auth/vneid/start",
        b'{"a":"\xff"}',
        {"Accept-Language": language},
    )
    body = assert_problem(response, 400, "malformed-json")
    assert (
        body["title"] == {"vi": "JSON không hợp lệ", "en": "Malformed JSON"}[language]
    )
