"""The contract is published: OpenAPI JSON and interactive docs."""

from __future__ import annotations

import re

from tests.problems import assert_problem


def test_openapi_document_has_title_version_and_bearer_scheme(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["info"] == {"title": "CongDan API", "version": "1.0.0"}
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_every_route_is_documented(app, client):
    spec = client.get("/openapi.json").get_json()
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static",) or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        assert path in documented, rule.rule


def test_errors_are_documented_as_problem_json(client):
    spec = client.get("/openapi.json").get_json()
    not_found = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert "application/problem+json" in not_found["content"]
    me = spec["paths"]["/api/v1/citizens/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]


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
