"""GeoReport v2's bodies as the OpenAPI document describes them.

Each answer comes as JSON (the schema below, from the GeoReport v2 specification's
field lists) or as XML (the same fields as elements, described as text: OpenAPI
3.0 cannot name XML list roots for each endpoint). ``tests/test_openapi.py``
checks the recorded examples against these schemas.
"""

from __future__ import annotations

from typing import Any, Final

from service_requests import forms


def _text(description: str, *, nullable: bool = False) -> dict[str, Any]:
    return {"type": "string", "nullable": nullable, "description": description}


def _number(description: str) -> dict[str, Any]:
    return {"type": "number", "nullable": True, "description": description}


def _items(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


ERROR: Final = {
    "type": "object",
    "description": "A GeoReport error.",
    "required": ["code", "description"],
    "properties": {
        "code": {"type": "integer", "description": "The HTTP status."},
        "description": _text("What was wrong, in the caller's language."),
    },
}
SERVICE: Final = {
    "type": "object",
    "description": "A public-service procedure as a GeoReport service.",
    "properties": {
        "service_code": _text("The procedure's code in the national catalogue."),
        "service_name": _text("The procedure's name."),
        "description": _text("What the procedure is for.", nullable=True),
        "metadata": {
            "type": "boolean",
            "description": "true: the service has a definition (form fields).",
        },
        "type": {
            "type": "string",
            "enum": ["realtime", "batch", "blackbox"],
            "description": "batch: a request gets its id at once and is "
            "processed later.",
        },
        "keywords": _text("Comma-separated search words.", nullable=True),
        "group": _text("The procedure's field (lĩnh vực).", nullable=True),
    },
}
_VALUE: Final = {
    "type": "object",
    "description": "One choice of a list attribute.",
    "properties": {
        "key": _text("The value to send."),
        "name": _text("What people read."),
    },
}
ATTRIBUTE: Final = {
    "type": "object",
    "description": "A form field of the procedure.",
    "properties": {
        "variable": {"type": "boolean", "description": "true: the caller fills it."},
        "code": _text("Sent as attribute[code]."),
        "datatype": {
            "type": "string",
            "enum": list(forms.DATATYPES),  # a form field's types are GeoReport's
            "description": "GeoReport's type of the field.",
        },
        "required": {"type": "boolean", "description": "Whether it must be sent."},
        "datatype_description": _text("A hint on the format.", nullable=True),
        "order": {"type": "integer", "description": "Its place on the form, from 1."},
        "description": _text("The field's label."),
        "values": _items(_VALUE),
    },
}
SERVICE_DEFINITION: Final = {
    "type": "object",
    "description": "A service's attributes (GeoReport's service definition).",
    "properties": {
        "service_code": _text("The procedure's code."),
        "attributes": _items(ATTRIBUTE),
    },
}
SERVICE_REQUEST: Final = {
    "type": "object",
    "description": "A dossier as a GeoReport service request (no personal data).",
    "properties": {
        "service_request_id": _text("The dossier's receipt code."),
        "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": _text("The national status, in words.", nullable=True),
        "service_name": _text("The procedure's name."),
        "service_code": _text("The procedure's code."),
        "description": _text("Always null: the form is not public.", nullable=True),
        "agency_responsible": _text("The agency handling it."),
        "service_notice": _text("When the result is due, in words.", nullable=True),
        "requested_datetime": _text("When it was filed (ISO 8601)."),
        "updated_datetime": _text("Its last move (ISO 8601)."),
        "expected_datetime": _text("Its due moment (ISO 8601).", nullable=True),
        "address": _text("Where, as given when filed.", nullable=True),
        "address_id": _text("An address id, as given.", nullable=True),
        "zipcode": _text("The postcode, as given.", nullable=True),
        "lat": _number("WGS84 latitude."),
        "long": _number("WGS84 longitude."),
        "media_url": _text("A picture's URL, as given.", nullable=True),
    },
}
CREATED: Final = {
    "type": "object",
    "description": "The id GeoReport gives back for a new request.",
    "properties": {
        "service_request_id": _text("The new dossier's receipt code."),
        "service_notice": _text("When the result is due, in words.", nullable=True),
        "account_id": _text("Not used: always null.", nullable=True),
    },
}
_XML: Final = {
    "type": "string",
    "description": "The same fields as XML elements, under GeoReport's root "
    "element (services, service_definition, service_requests or errors).",
}


def body(json_schema: dict[str, Any]) -> dict[str, Any]:
    """The ``content`` of a GeoReport answer: ``json_schema`` in JSON, or XML."""
    return {"application/json": {"schema": json_schema}, "text/xml": {"schema": _XML}}


def errors(description: str) -> dict[str, Any]:
    """A documented error answer: GeoReport's list of ``{code, description}``."""
    return {"description": description, "content": body(_items(ERROR))}


def listing(description: str, item: dict[str, Any]) -> dict[str, Any]:
    """A documented answer holding a list of ``item``."""
    return {"description": description, "content": body(_items(item))}
