"""Open311 GeoReport v2 on the wire: JSON or XML bodies, its errors, its api_keys.

The spec defines each answer in both formats, chosen by the extension of the path
(``services.json``, ``services.xml``): lists are a root element of items in XML
(``<services><service>…``) and an array in JSON. Its errors are a list of
``{code, description}`` (``<errors><error>…``), not RFC 9457 problems: the
facade's errors take that shape through :func:`app.errors.add_problem_dialect`.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any, Final
from xml.etree.ElementTree import Element, SubElement, tostring

import sqlalchemy as sa
from flask import Response, request

from app.db import utcnow
from app.extensions import db
from service_requests.models import Open311Application

PREFIX: Final = "/open311/v2/"
FORMATS: Final = ("json", "xml")
#: GeoReport names 400 for a request it cannot accept; its clients expect no 422.
_SPEC_STATUS: Final = {422: 400}
#: The element of each item in an XML list, by the list's element.
_ITEM: Final = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
}


#: What XML 1.0 forbids in text: controls but tab and line breaks, surrogates,
#: U+FFFE and U+FFFF. Stored text never holds them (``app.text``); what a caller
#: sends back at itself (a parameter's name in an error) is replaced by U+FFFD.
_XML_FORBIDDEN: Final = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
)


def wire_format() -> str:
    """``xml`` when the path asks for XML (``….xml``), else ``json``."""
    return "xml" if request.path.endswith(".xml") else "json"


def reply(root: str, body: Any, status: int = 200) -> Response:
    """``body`` (a list of items, or one object) in the format the path asks for."""
    if wire_format() == "json":
        return Response(
            json.dumps(body, ensure_ascii=False),
            status=status,
            mimetype="application/json",
        )
    document = _element(root, body)
    return Response(
        tostring(document, encoding="utf-8", xml_declaration=True),
        status=status,
        mimetype="text/xml",
    )


def _element(tag: str, value: Any) -> Element:
    element = Element(tag)
    _fill(element, value)
    return element


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(SubElement(element, key), child)
    elif isinstance(value, list):
        item = _ITEM[element.tag]
        for child in value:
            _fill(SubElement(element, item), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _XML_FORBIDDEN.sub("\ufffd", str(value))


def render_error(status: int, problem: dict[str, Any]) -> Response:
    """A problem as GeoReport errors: one per field message, else its detail."""
    status = _SPEC_STATUS.get(status, status)
    fields: Mapping[str, Iterable[str]] = problem.get("errors") or {}
    described = [
        f"{field}: {message}"
        for field, messages in fields.items()
        for message in messages
    ] or [problem.get("detail") or problem["title"]]
    errors = [{"code": status, "description": text} for text in described]
    return reply("errors", errors, status)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(name: str) -> str:
    """Register an application and return its new api_key (shown only now)."""
    key = secrets.token_urlsafe(32)
    db.session.add(Open311Application(name=name, key_digest=_digest(key)))
    db.session.flush()
    return key


def revoke_key(name: str) -> int:
    """Revoke every live key of the application ``name``; how many were."""
    revoked = db.session.execute(
        sa.update(Open311Application)
        .where(Open311Application.name == name, Open311Application.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(revoked.rowcount)  # type: ignore[attr-defined]


def application(key: str | None) -> Open311Application | None:
    """The live application whose api_key is ``key``, if any."""
    if not key:
        return None
    return db.session.scalar(
        sa.select(Open311Application).where(
            Open311Application.key_digest == _digest(key),
            Open311Application.revoked_at.is_(None),
        )
    )
