"""The contract is published: OpenAPI JSON and interactive docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from app import api_examples
from app.api_contract import OPERATION_IDS
from tests.problems import assert_problem


def test_openapi_document_has_title_version_and_bearer_scheme(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert (spec["info"]["title"], spec["info"]["version"]) == ("CongDan API", "1.0.0")
    assert spec["openapi"].startswith("3.")
    scheme = spec["components"]["securitySchemes"]["dpopAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "DPoP")  # RFC 9449


def test_every_route_is_documented(app, client):
    spec = client.get("/openapi.json").get_json()
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint in (
            "static",
            "docs_assets",
            "favicon",
        ) or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        assert path in documented, rule.rule


def test_errors_are_documented_as_problem_json(client):
    spec = client.get("/openapi.json").get_json()
    not_found = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert "application/problem+json" in not_found["content"]
    me = spec["paths"]["/api/v1/citizens/me"]["get"]
    assert me["security"] == [{"dpopAuth": []}]


def test_interactive_docs_page(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b"/openapi.json" in response.data


def test_docs_are_not_an_error_sink(client):
    assert_problem(client.post("/openapi.json"), 405, "method-not-allowed")


def test_creating_posts_document_their_idempotency_key(client):
    spec = client.get("/openapi.json").get_json()
    submit = spec["paths"]["/api/v1/dossiers"]["post"]
    assert {
        "in": "header",
        "name": "Idempotency-Key",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    }.items() <= next(
        p for p in submit["parameters"] if p.get("name") == "Idempotency-Key"
    ).items()


# The contract app developers generate clients from (issue 15) ---------------------

OPERATIONS = ("get", "put", "post", "delete", "patch")


def operations(spec):
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in OPERATIONS
    ]


def test_the_document_is_valid_openapi_by_an_independent_validator(client):
    validate(client.get("/openapi.json").get_json())


def test_every_operation_has_a_readable_stable_operation_id(client):
    spec = client.get("/openapi.json").get_json()
    named = {key: operation.get("operationId") for key, operation in operations(spec)}
    assert all(
        re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+", n or "") for n in named.values()
    )
    assert len(set(named.values())) == len(named)
    # The pinned names: the table may only grow, and every entry names a real route.
    assert set(OPERATION_IDS) <= set(named)
    assert all(named[key] == name for key, name in OPERATION_IDS.items())
    assert named["GET /api/v1/citizens/{subject}/health-book"] == "getHealthBookSummary"
    assert named["POST /api/v1/consent-requests/{request_id}/approve"] == (
        "approveConsentRequest"
    )


def test_every_operation_has_a_summary_and_a_description(client):
    spec = client.get("/openapi.json").get_json()
    unsaid = [
        key
        for key, operation in operations(spec)
        if not operation.get("summary") or not operation.get("description")
    ]
    assert unsaid == []
    approve = spec["paths"]["/api/v1/consent-requests/{request_id}/approve"]["post"]
    assert approve["summary"] != approve["description"]


def test_tags_are_named_for_people_described_and_ordered(client):
    spec = client.get("/openapi.json").get_json()
    tags = [tag["name"] for tag in spec["tags"]]
    assert tags[:3] == [
        "Login and tokens",
        "Citizens and organisations",
        "Identity sharing",
    ]
    assert all(tag["description"] for tag in spec["tags"])
    used = {tag for _, operation in operations(spec) for tag in operation["tags"]}
    assert used == set(tags)


def test_info_servers_and_the_headers_every_call_shares(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["info"]["description"]
    assert spec["info"]["contact"]["url"] == spec["servers"][0]["url"]
    assert spec["info"]["license"]["name"]
    for key, operation in operations(spec):
        names = {p.get("name") for p in operation["parameters"] if isinstance(p, dict)}
        assert {"Accept-Language", "X-Request-ID"} <= names, key
        for status, response in operation["responses"].items():
            if "$ref" not in response:
                assert "X-Request-ID" in response.get("headers", {}), (key, status)
    components = spec["components"]["responses"]
    assert "WWW-Authenticate" in components["UNAUTHORIZED"]["headers"]
    assert "Retry-After" in components["TOO_MANY_REQUESTS"]["headers"]
    filing = spec["paths"]["/api/v1/dossiers"]["post"]
    assert "Idempotent-Replayed" in filing["responses"]["201"]["headers"]


def test_every_body_and_property_is_described(client):
    """A property that is a reference is described by the body it refers to."""
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    undescribed = [
        name for name, schema in schemas.items() if not schema.get("description")
    ]
    assert undescribed == []
    silent = [
        f"{name}.{prop}"
        for name, schema in schemas.items()
        for prop, body in schema.get("properties", {}).items()
        if not body.get("description") and "$ref" not in body
    ]
    assert silent == []
    stats = schemas["Stats"]["properties"]
    assert stats["min_cell"]["description"].startswith("The fewest people")
    assert schemas["Dossier"]["properties"]["status"]["description"].startswith(
        "The national status code"
    )


#: Bodies that have no example, and why: a page is read by people, not parsed, and
#: a PDF is binary (each has its own tests).
_NOT_EXAMPLED = ("text/html", "application/pdf")


def _media(spec):
    """(where, media type, media object, is_request) of every body the API documents."""
    for key, operation in operations(spec):
        body = operation.get("requestBody", {})
        for media_type, media in body.get("content", {}).items():
            yield f"{key} request", media_type, media, True
        for status, response in operation["responses"].items():
            for media_type, media in response.get("content", {}).items():
                yield f"{key} {status}", media_type, media, False


def test_every_request_and_success_has_a_recorded_example(client):
    spec = client.get("/openapi.json").get_json()
    missing = [
        f"{where} {media_type}"
        for where, media_type, media, is_request in _media(spec)
        if media_type not in _NOT_EXAMPLED
        and (is_request or where.split()[-1].startswith("2"))
        and "example" not in media
    ]
    assert missing == []
    # The shared error responses show a real problem too.
    for name in ("NOT_FOUND", "UNPROCESSABLE_ENTITY", "CONFLICT", "DEFAULT_ERROR"):
        content = spec["components"]["responses"][name]["content"]
        assert content["application/problem+json"]["example"]["status"] >= 400


def _resolved(schema, components):
    while "$ref" in schema:
        schema = components["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _undeclared(example, schema, components, where="$"):
    """Keys of ``example`` its schema does not declare (a renamed field, say)."""
    schema = _resolved(schema, components)
    if "allOf" in schema:
        merged = {"properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(
                _resolved(part, components).get("properties", {})
            )
        schema = merged
    found = []
    if isinstance(example, dict) and "properties" in schema:
        open_ended = schema.get("additionalProperties")
        for key, value in example.items():
            if key in schema["properties"]:
                found += _undeclared(
                    value, schema["properties"][key], components, f"{where}.{key}"
                )
            elif not open_ended:
                found.append(f"{where}.{key}")
    elif isinstance(example, list) and "items" in schema:
        for index, item in enumerate(example):
            found += _undeclared(item, schema["items"], components, f"{where}[{index}]")
    return found


def test_every_example_is_valid_against_its_schema(client):
    """Judged by openapi-schema-validator (OpenAPI 3.0 schema semantics): an example
    recorded before a body changed fails here; `make examples` records it again."""
    spec = client.get("/openapi.json").get_json()
    components = spec["components"]
    media_objects = list(_media(spec)) + [
        (f"components {name}", media_type, media, False)
        for name, response in components["responses"].items()
        for media_type, media in response.get("content", {}).items()
    ]
    checked = 0
    for where, media_type, media, _ in media_objects:
        if "example" not in media or "schema" not in media:
            continue
        validator = OAS30Validator(
            {"allOf": [media["schema"]], "components": components}
        )
        errors = [e.message for e in validator.iter_errors(media["example"])]
        assert errors == [], (where, media_type)
        assert _undeclared(media["example"], media["schema"], components) == [], where
        checked += 1
    assert checked > 150


def test_every_status_the_suite_was_answered_is_documented(client):
    """A generated client has a type for each answer only if the document names it:
    every status an operation gave the suite (``make examples`` records them) is
    documented for that operation, not left to ``default``. A 500 is never
    documented: tests that force one check it is a problem all the same."""
    spec = client.get("/openapi.json").get_json()
    recorded = json.loads(
        Path(api_examples.__file__).with_name("openapi_examples.json").read_text()
    )["operations"]
    undocumented = []
    for key, seen in recorded.items():
        method, path = key.split(" ", 1)
        operation = spec["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue  # a route only a test mounts
        undocumented += [
            f"{key} {status}"
            for status in seen["responses"]
            if status not in operation["responses"] and status != "500"
        ]
    # The mock provider's authorize page answers a malformed query as the API does.
    assert undocumented == ["GET /vneid/authorize 422"]


def test_the_examples_hold_no_ones_national_id_or_birthday(client):
    """A national id spells its holder's province, birth year and sex: none is kept,
    not even in part, and birth dates keep only their year (attack on the recorded
    examples, which kept the serial beside the real birth date)."""
    document = json.dumps(client.get("/openapi.json").get_json(), ensure_ascii=False)
    # Not a UUID's last group, which is all digits once in ~300 UUIDs.
    twelve_digits = set(re.findall(r"(?<![0-9a-f-])\d{12}(?![0-9a-f])", document))
    assert twelve_digits
    assert all(n.startswith("0000000000") for n in twelve_digits)
    birthdays = re.findall(
        r'"(?:birth_date|birthDate)": "(\d{4}-\d{2}-\d{2})"', document
    )
    assert birthdays
    assert all(day.endswith("-01-01") for day in birthdays)
