"""Every error leaves as RFC 9457 problem JSON, in the caller's language."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from identity.models import Citizen
from tests.demo_ids import AN
from tests.factories import VALID_CITIZEN
from tests.problems import assert_problem


def test_unknown_route_is_404_problem(client):
    response = client.get("/api/v1/no-such-thing")
    body = assert_problem(response, 404, "not-found")
    assert body["title"] == "Không tìm thấy"


def test_wrong_method_is_405_problem_with_allow_header(client):
    response = client.delete("/healthz")
    body = assert_problem(response, 405, "method-not-allowed")
    assert "DELETE" in body["detail"]
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_400_problem(probe, citizen, auth_headers):
    response = probe.post(
        "/_probe/citizens",
        data='{"national_id": "0790',
        content_type="application/json",
        headers=auth_headers(citizen(AN)),
    )
    assert_problem(response, 400, "malformed-json")


def test_body_over_limit_is_413_problem(probe, citizen, auth_headers):
    oversized = dict(VALID_CITIZEN, address="x" * 5000)
    response = probe.post(
        "/_probe/citizens",
        json=oversized,
        headers=auth_headers(citizen(AN)),
    )
    body = assert_problem(response, 413, "payload-too-large")
    assert "4096" in body["detail"]


def test_schema_violation_is_422_problem_with_field_messages(
    probe, citizen, auth_headers
):
    response = probe.post(
        "/_probe/citizens",
        json={"full_name": "", "sex": "unknown", "surprise": 1},
        headers=auth_headers(citizen(AN)) | {"Accept-Language": "en"},
    )
    body = assert_problem(response, 422, "validation-failed")
    errors = body["errors"]
    assert errors["national_id"] == ["Missing data for required field."]
    assert errors["full_name"] == ["Length must be between 1 and 200."]
    assert errors["sex"] == ["Must be one of: male, female."]
    assert errors["surprise"] == ["Unknown field."]


def test_field_messages_are_vietnamese_by_default(probe, citizen, auth_headers):
    response = probe.post(
        "/_probe/citizens",
        json={"full_name": ""},
        headers=auth_headers(citizen(AN)),
    )
    body = assert_problem(response, 422, "validation-failed")
    assert body["title"] == "Dữ liệu không hợp lệ"
    assert body["errors"]["national_id"] == ["Trường này là bắt buộc."]
    assert body["errors"]["full_name"] == ["Độ dài phải trong khoảng 1 đến 200."]
    assert response.headers["Content-Language"] == "vi"


def test_query_violation_names_the_query_parameter(client):
    response = client.get(
        "/api/v1/organisations?limit=0", headers={"Accept-Language": "en"}
    )
    body = assert_problem(response, 422, "validation-failed")
    assert body["errors"] == {
        "query.limit": [
            "Must be greater than or equal to 1 and less than or equal to 100."
        ]
    }


@pytest.mark.parametrize(
    ("accept_language", "title", "content_language"),
    [
        ("en-US,en;q=0.9", "Not found", "en"),
        ("vi-VN", "Không tìm thấy", "vi"),
        ("fr-FR", "Không tìm thấy", "vi"),
        ("", "Không tìm thấy", "vi"),
    ],
)
def test_language_follows_accept_language(
    client, accept_language, title, content_language
):
    response = client.get("/nowhere", headers={"Accept-Language": accept_language})
    body = assert_problem(response, 404, "not-found")
    assert body["title"] == title
    assert response.headers["Content-Language"] == content_language
    assert "Accept-Language" in response.headers["Vary"]


def test_unexpected_exception_is_500_problem_without_internals(
    client, monkeypatch, caplog
):
    def explode(_org_id):
        raise RuntimeError("secret internal state: password=hunter2")

    monkeypatch.setattr("identity.services.get_organisation", explode)
    response = client.get(
        "/api/v1/organisations/0b7c6f3e-4a8e-4f7e-9a56-1d2f3c4b5a69",
        headers={"Accept-Language": "en"},
    )
    body = assert_problem(response, 500, "internal-error")
    raw = response.get_data(as_text=True)
    assert "hunter2" not in raw
    assert "RuntimeError" not in raw
    assert body["request_id"] in body["detail"]
    logged = [r for r in caplog.records if r.levelname == "ERROR"]
    assert logged
    assert logged[-1].request_id == body["request_id"]
    assert "hunter2" in logged[-1].exc_text


def test_failed_write_leaves_no_half_written_rows(probe, citizen, auth_headers):
    response = probe.post(
        "/_probe/citizens-then-fail",
        json=VALID_CITIZEN,
        headers=auth_headers(citizen(AN)),
    )
    assert_problem(response, 500, "internal-error")
    leftover = db.session.scalar(
        sa.select(Citizen).where(Citizen.national_id == VALID_CITIZEN["national_id"])
    )
    assert leftover is None


def test_missing_token_is_401_problem_with_a_dpop_challenge(client):
    response = client.get("/api/v1/citizens/me")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("DPoP ")
    assert "Bearer" not in response.headers["WWW-Authenticate"]  # not allowed


def test_forged_token_is_401_invalid_token(client):
    response = client.get(
        "/api/v1/citizens/me", headers={"Authorization": "Bearer not.a.jwt"}
    )
    assert_problem(response, 401, "invalid-token")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_incoming_request_id_is_echoed_but_never_the_servers_id(client):
    kept = client.get("/nowhere", headers={"X-Request-ID": "phone-1234abcd"})
    assert kept.headers["X-Request-ID"] == "phone-1234abcd"
    # The server identifies the request by an id of its own (issue 11, finding 1).
    server_id = json.loads(kept.data)["request_id"]
    assert server_id != "phone-1234abcd"
    assert len(server_id) == 32
    replaced = client.get("/nowhere", headers={"X-Request-ID": "<script>"})
    assert replaced.headers["X-Request-ID"] != "<script>"
    assert json.loads(replaced.data)["request_id"] == replaced.headers["X-Request-ID"]
