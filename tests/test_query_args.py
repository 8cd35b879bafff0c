"""Every query parameter the OpenAPI document lists: integers in ASCII digits, each
single-valued parameter given once.

Issue 12 review, finding 4: ``GET /api/v1/notifications?limit=%D9%A3`` (the
Arabic-Indic digit three) was read as 3, and ``?limit=1&limit=2`` silently as 1.
The walk over ``/openapi.json`` covers a new route the day it appears.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.request_text import REPEATED_PARAMETER_ERROR
from tests.demo_ids import AN, CLINIC, CUC
from tests.problems import PROTOCOL_PREFIXES, assert_georeport_errors, assert_problem
from tests.test_edge_bodies import _spec, _url

#: Integers as other scripts and Python's ``int()`` write them, never as a client should.
NOT_ASCII_INTEGERS = ["٣", "३", "\uff13", "1_0", " 3", "+3", "3\u00a0"]


@pytest.fixture
def doctor(citizen, organisation, auth_headers) -> dict[str, str]:
    headers = auth_headers(citizen(CUC), org=organisation(CLINIC), role="doctor")
    return {**headers, "Accept-Language": "en"}


def _query_parameters(client) -> list[tuple[str, str, dict[str, Any]]]:
    spec = _spec(client)
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "get":
                continue
            for parameter in operation.get("parameters", []):
                if "$ref" in parameter:
                    name = parameter["$ref"].rsplit("/", 1)[1]
                    parameter = spec["components"]["parameters"][name]
                if parameter["in"] == "query":
                    found.append((path, parameter["name"], parameter["schema"]))
    assert len(found) > 40
    return found


def _valid(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return str(schema["enum"][0])
    return {
        "integer": "1",
        "boolean": "true",
    }.get(schema.get("type", ""), _by_format(schema))


def _by_format(schema: dict[str, Any]) -> str:
    return {"date": "2025-03-01", "uuid": str(uuid.uuid4())}.get(
        schema.get("format", ""), "a"
    )


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_reviewers_arabic_indic_limit_is_a_422(
    client, citizen, auth_headers, language
):
    response = client.get(
        "/api/v1/notifications?limit=%D9%A3",
        headers={**auth_headers(citizen(AN)), "Accept-Language": language},
    )
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    assert errors == {
        "query.limit": [
            {"vi": "Không phải số nguyên hợp lệ.", "en": "Not a valid integer."}[
                language
            ]
        ]
    }


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_reviewers_repeated_limit_is_a_422(client, citizen, auth_headers, language):
    response = client.get(
        "/api/v1/notifications?limit=1&limit=2",
        headers={**auth_headers(citizen(AN)), "Accept-Language": language},
    )
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    assert errors == {
        "query.limit": [
            {
                "vi": "Tham số này chỉ được gửi một lần.",
                "en": REPEATED_PARAMETER_ERROR,
            }[language]
        ]
    }


def test_every_query_integer_takes_ascii_digits_only(client, doctor):
    integers = [
        (path, name)
        for path, name, schema in _query_parameters(client)
        if schema.get("type") == "integer"
    ]
    assert len(integers) > 15
    for path, name in integers:
        for value in NOT_ASCII_INTEGERS:
            response = client.get(
                _url(path), query_string={name: value}, headers=doctor
            )
            assert response.status_code == 422, (path, name, value)
            assert f"query.{name}" in response.get_json()["errors"], (path, value)


def test_every_single_valued_query_parameter_given_twice_is_a_422(client, doctor):
    for path, name, schema in _query_parameters(client):
        if schema.get("type") == "array":
            continue
        value = _valid(schema)
        response = client.get(
            _url(path), query_string=[(name, value), (name, value)], headers=doctor
        )
        # The wallet protocols answer OAuth's invalid_request, a 400.
        expected = 400 if path.startswith(PROTOCOL_PREFIXES) else 422
        assert response.status_code == expected, (path, name, response.get_json())
        errors = response.get_json()["errors"]
        assert errors == {f"query.{name}": [REPEATED_PARAMETER_ERROR]}, (path, name)


@pytest.mark.parametrize(
    "url",
    [
        "/callback?code=a&state=b&state=c",
        "/verify?lang=en&lang=vi",
        "/vneid/authorize?client_id=congdan-app&client_id=other",
    ],
)
def test_parameters_read_by_hand_given_twice_are_a_422_too(client, doctor, url):
    response = client.get(url, headers=doctor)
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    assert list(errors.values()) == [[REPEATED_PARAMETER_ERROR]]


def test_a_parameter_given_twice_to_open311_is_georeports_400(client, doctor):
    response = client.get(
        "/open311/v2/requests.json?status=open&status=closed",
        headers={"Accept-Language": "en"},
    )
    errors = assert_georeport_errors(response, 400)
    assert errors == {"query.status": [REPEATED_PARAMETER_ERROR]}


def test_every_query_uuid_takes_ascii_hex_only(client, doctor):
    """The same pattern as the integers: ``uuid.UUID()`` reads Arabic-Indic digits."""
    uuids = [
        (path, name)
        for path, name, schema in _query_parameters(client)
        if schema.get("format") == "uuid"
    ]
    assert uuids
    arabic_indic = str.maketrans("0123456789", "".join(map(chr, range(0x660, 0x66A))))
    for path, name in uuids:
        value = str(uuid.uuid4()).translate(arabic_indic)
        response = client.get(_url(path), query_string={name: value}, headers=doctor)
        assert response.status_code == 422, (path, name)
        assert f"query.{name}" in response.get_json()["errors"], path
