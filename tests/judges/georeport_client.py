"""A GeoReport v2 client written from the spec alone (wiki.open311.org/GeoReport_v2).

It knows the spec's URLs, parameters, element names and types, and nothing of
CongDan: it reads JSON and XML into the same Python values, so a test can ask
"does the server say the same thing in both formats, in the spec's shape?". An
answer that is not in the spec's shape fails here, not in the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeElementTree

#: Types of the spec's fields (XML carries only text).
_BOOLEANS = frozenset({"metadata", "variable", "required"})
_INTEGERS = frozenset({("attribute", "order"), ("error", "code")})
_FLOATS = frozenset({"lat", "long"})
#: The spec's XML lists: root element and item element.
_LISTS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
}
#: The fields of each object the spec defines, so a missing one is noticed.
REQUEST_FIELDS = frozenset(
    {
        "service_request_id", "status", "status_notes", "service_name", "service_code",
        "description", "agency_responsible", "service_notice", "requested_datetime",
        "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
        "lat", "long", "media_url",
    }
)  # fmt: skip
SERVICE_FIELDS = frozenset(
    {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
)


class GeoReportError(Exception):
    """The server answered with the spec's errors: ``[(code, description)]``."""

    def __init__(self, status: int, errors: list[tuple[int, str]]) -> None:
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.errors = errors


@dataclass
class GeoReportClient:
    """Calls an endpoint (``base``) in ``fmt`` (``json`` or ``xml``) through ``http``,
    anything with ``get(url, query_string=, headers=)`` and ``post(url, data=,
    headers=)`` returning ``status_code``, ``headers`` and ``get_data()``."""

    http: Any
    base: str
    fmt: str
    api_key: str | None = None
    jurisdiction_id: str | None = None

    def services(self) -> list[dict[str, Any]]:
        """GET Service List."""
        return self._get("services")

    def service_definition(self, code: str) -> dict[str, Any]:
        """GET Service Definition."""
        return self._get(f"services/{code}")

    def requests(self, headers: dict[str, str] | None = None, **query: str) -> list:
        """GET Service Requests."""
        return self._get("requests", headers, **query)

    def request(self, request_id: str, headers: dict[str, str] | None = None) -> list:
        """GET Service Request (a list of one)."""
        return self._get(f"requests/{request_id}", headers)

    def post_request(
        self,
        service_code: str,
        attributes: dict[str, str | list[str]],
        headers: dict[str, str] | None = None,
        **location: Any,
    ) -> list[dict[str, Any]]:
        """POST Service Request: ``location`` is lat/long, address_string, address_id."""
        form: dict[str, Any] = {"service_code": service_code, **location}
        if self.api_key is not None:
            form["api_key"] = self.api_key
        if self.jurisdiction_id is not None:
            form["jurisdiction_id"] = self.jurisdiction_id
        for code, value in attributes.items():
            key = (
                f"attribute[{code}][]"
                if isinstance(value, list)
                else f"attribute[{code}]"
            )
            form[key] = value
        answer = self.http.post(
            f"{self.base}/requests.{self.fmt}", data=form, headers=headers or {}
        )
        return self._read(answer, expected=201)

    def _get(
        self, path: str, headers: dict[str, str] | None = None, **query: str
    ) -> Any:
        if self.jurisdiction_id is not None:
            query["jurisdiction_id"] = self.jurisdiction_id
        answer = self.http.get(
            f"{self.base}/{path}.{self.fmt}", query_string=query, headers=headers or {}
        )
        return self._read(answer, expected=200)

    def _read(self, answer: Any, expected: int) -> Any:
        content_type = answer.headers.get("Content-Type", "")
        wanted = "application/json" if self.fmt == "json" else "text/xml"
        assert content_type.startswith(wanted), content_type
        body = self._parse(answer.get_data())
        if answer.status_code != expected:
            assert isinstance(body, list), body
            raise GeoReportError(
                answer.status_code, [(e["code"], e["description"]) for e in body]
            )
        return body

    def _parse(self, data: bytes) -> Any:
        if self.fmt == "json":
            import json

            return json.loads(data)
        return _from_xml(SafeElementTree.fromstring(data))


def _from_xml(element: ElementTree.Element, parent: str = "") -> Any:
    if element.tag in _LISTS:
        item = _LISTS[element.tag]
        assert all(child.tag == item for child in element), element.tag
        return [_from_xml(child, element.tag) for child in element]
    if len(element) or element.tag in _LISTS.values():
        return {child.tag: _from_xml(child, element.tag) for child in element}
    return _typed(parent, element.tag, element.text)


def _typed(parent: str, tag: str, text: str | None) -> Any:
    if text is None:
        return None
    if tag in _BOOLEANS:
        assert text in ("true", "false"), (tag, text)
        return text == "true"
    if (parent, tag) in _INTEGERS:
        return int(text)
    if tag in _FLOATS:
        return float(text)
    return text
