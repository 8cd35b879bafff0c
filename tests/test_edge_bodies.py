"""Every body the OpenAPI document describes, sent at its edges (issue 12).

Driven from ``/openapi.json``, so a new operation is covered the day it appears:

* each JSON body nested a thousand deep, holding a 5 000-digit number, or with
  every field set to text carrying NUL and a bidi override, is a 4xx problem;
* each form body with such text is refused with a 4xx, never a server error;
* each body the document marks required, when missing, is a 422 and changes no
  row of any table.

The caller is a doctor acting for her clinic with a fresh level-2 login, so the
requests reach the parsing of every operation rather than stopping at login.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from app.blueprint import BODY_REQUIRED_ERROR
from app.extensions import db
from service_requests import georeport
from tests.demo_ids import CLINIC, CUC, RESIDENCE
from tests.problems import (
    PROTOCOL_PREFIXES,
    assert_georeport_errors,
    assert_problem,
    assert_protocol_error,
)

EVIL = "A\u202eB\x00C"
#: Path parameters that are not UUIDs.
PATH_VALUES = {"subject": "me", "code": "ABCD2345", "receipt_code": "000-000"}
HUGE = "9" * 5000


def _spec(client) -> dict[str, Any]:
    return client.get("/openapi.json").get_json()


def _operations(spec: dict[str, Any], media_types: tuple[str, ...]) -> list[tuple]:
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not body:
                continue
            for media_type, content in body["content"].items():
                if media_type in media_types:
                    found.append(
                        (method.upper(), path, content.get("schema", {}), body)
                    )
    assert found, media_types
    return found


def _url(path: str) -> str:
    return re.sub(
        r"\{(\w+)\}",
        lambda m: PATH_VALUES.get(m.group(1), str(uuid.uuid4())),
        path,
    )


def _properties(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("properties", {})


def _evil_value(prop: dict[str, Any]) -> Any:
    kind = prop.get("type")
    if kind == "array":
        return [EVIL]
    if kind == "object":
        return {"k": EVIL}
    return EVIL


@pytest.fixture
def doctor(citizen, organisation, auth_headers) -> dict[str, str]:
    headers = auth_headers(citizen(CUC), org=organisation(CLINIC), role="doctor")
    return {**headers, "Accept-Language": "en"}


def _assert_refused(response, operation: str, status: int | None = None) -> dict:
    """A 4xx problem (``status`` if given); a failure names the operation."""
    expected = response.status_code if status is None else status
    assert 400 <= response.status_code < 500, (
        operation,
        response.get_data(as_text=True),
    )
    assert response.status_code == expected, (operation, response.get_json())
    if operation.split()[1].startswith(PROTOCOL_PREFIXES):
        # The wallet protocols answer in their standards' shape.
        return assert_protocol_error(response, expected, None)
    return assert_problem(response, expected, None)


def test_every_json_body_at_its_edges_is_a_4xx_problem(client, doctor):
    spec = _spec(client)
    for method, path, schema, _body in _operations(spec, ("application/json",)):
        url, name = _url(path), f"{method} {path}"
        properties = _properties(spec, schema)
        raw_bodies = {
            "deep": ("[" * 1000 + "]" * 1000, 400),
            "huge": (
                "{" + ", ".join(f'"{p}": {HUGE}' for p in properties or ["x"]) + "}",
                400,
            ),
        }
        for kind, (raw, status) in raw_bodies.items():
            response = client.open(
                url, method=method, data=raw, content_type="application/json",
                headers=doctor,
            )  # fmt: skip
            _assert_refused(response, f"{name} ({kind})", status)
        evil = {key: _evil_value(prop) for key, prop in properties.items()}
        response = client.open(url, method=method, json=evil, headers=doctor)
        _assert_refused(response, f"{name} (invisible text)")


def test_every_form_body_with_invisible_text_is_refused(client, doctor):
    spec = _spec(client)
    media = ("application/x-www-form-urlencoded", "multipart/form-data")
    for method, path, schema, _body in _operations(spec, media):
        fields = dict.fromkeys(_properties(spec, schema), EVIL)
        response = client.open(_url(path), method=method, data=fields, headers=doctor)
        assert 400 <= response.status_code < 500, (path, response.status_code)
    open311 = client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": RESIDENCE,
            "attribute[purpose]": EVIL,
            "address_string": EVIL,
            "api_key": georeport.issue_key("Thử ký tự ẩn"),
        },
        headers=doctor,
    )
    # The facade's errors are GeoReport's (tests/service_requests/test_open311.py).
    assert "address_string" in assert_georeport_errors(open311, 400)


#: Not data: the proofs a refused request presented are spent on purpose.
_REPLAY_MARKS = "single_use_marks"


def _fingerprint() -> str:
    """Every row of every table (the replay marks of proofs aside), hashed: any
    insert, update or delete changes it."""
    digest = hashlib.sha256()
    for table in db.Model.metadata.sorted_tables:
        if table.name == _REPLAY_MARKS:
            continue
        rows = db.session.execute(sa.select(table)).all()
        digest.update(table.name.encode())
        digest.update(json.dumps(sorted(map(repr, rows))).encode())
    return digest.hexdigest()


def test_every_required_body_missing_is_a_422_that_changes_nothing(client, doctor):
    spec = _spec(client)
    required = [
        operation
        for operation in _operations(spec, ("application/json",))
        if operation[3].get("required")
    ]
    assert any(path.endswith("/revoke") for _m, path, _s, _b in required)
    before = _fingerprint()
    for method, path, _schema, _body in required:
        response = client.open(_url(path), method=method, headers=doctor)
        body = _assert_refused(response, f"{method} {path}", 422)
        assert body["errors"] == {"_schema": [BODY_REQUIRED_ERROR]}, path
        assert _fingerprint() == before, f"{method} {path} wrote"
