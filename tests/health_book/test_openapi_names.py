"""The per-category views, made in a loop, are told apart in the OpenAPI document."""

from __future__ import annotations

from collections import Counter

OPERATIONS = ("get", "post", "put", "patch", "delete")


def operation_ids(spec):
    return [
        operation["operationId"]
        for item in spec["paths"].values()
        for method, operation in item.items()
        if method in OPERATIONS and "operationId" in operation
    ]


def test_no_two_operations_share_an_operation_id(client):
    spec = client.get("/openapi.json").get_json()
    repeated = [name for name, n in Counter(operation_ids(spec)).items() if n > 1]
    assert repeated == []


def test_each_category_operation_is_named_after_its_category(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    book = "/api/v1/citizens/{subject}/health-book/immunizations"
    record = book + "/{record_id}"
    assert paths[book]["get"]["operationId"] == "listImmunizations"
    assert paths[book]["post"]["operationId"] == "recordImmunizations"
    assert paths[record + "/corrections"]["post"]["operationId"] == (
        "correctImmunizations"
    )
    assert paths[record + "/history"]["get"]["operationId"] == (
        "readImmunizationsHistory"
    )
    assert paths[record + "/hide"]["post"]["operationId"] == "hideImmunizations"
    assert paths[record + "/unhide"]["post"]["operationId"] == "unhideImmunizations"
