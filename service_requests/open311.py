"""An Open311 GeoReport v2 facade over the catalogue and the dossiers.

Existing civic tools speak Open311: ``services.json`` is the catalogue,
``services/{code}.json`` a procedure's attributes, ``requests.json`` the requests
and a POST to it files a dossier; each also as ``.xml`` (:mod:`georeport`).
``service_request_id`` is the receipt code; the national statuses map to ``open``
and ``closed``. Lists answer anyone: without a token they carry no personal data
(no location, no officer's notes); with one, the caller's own requests (an
officer's: the agency's) in full. Filing needs the citizen's bearer token and the
``api_key`` of a registered application, and a location (``lat`` and ``long``, an
``address_string`` or an ``address_id``); identity documents are attached from
the register (once-only). Errors are GeoReport's ``[{code, description}]``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, current_app, request
from marshmallow import fields, validate
from sqlalchemy import orm

from app import date_fields, i18n
from app.auth import BEARER, Actor, auth_required, current_actor, optional_actor
from app.blueprint import Blueprint
from app.db import utcnow
from app.errors import Forbidden, NotFound, Problem, ValidationFailed, flatten_messages
from app.extensions import db
from app.fields import Code, Text
from app.idempotency import idempotent
from service_requests import deadlines, georeport, policies, submission
from service_requests import georeport_docs as docs
from service_requests.models import Dossier, DossierStatus, Procedure
from service_requests.texts import STATUS_NAMES

blp = Blueprint(
    "open311",
    __name__,
    url_prefix="/open311/v2",
    description="Open311 GeoReport v2 facade (services and requests), "
    "in JSON or XML; errors are GeoReport's, not RFC 9457.",
)

OPEN: Final = frozenset(
    {
        DossierStatus.SUBMITTED,
        DossierStatus.RECEIVED,
        DossierStatus.PROCESSING,
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.FEE_REQUESTED,
        DossierStatus.PROCESSED,
    }
)
_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_]+)\](\[\])?$")
_FORMAT = "<any(json, xml):wire>"
_SERVICES: Final = docs.listing("Open311 services (JSON or XML)", docs.SERVICE)
_REQUESTS: Final = docs.listing(
    "Open311 service requests (JSON or XML)", docs.SERVICE_REQUEST
)
_ERRORS: dict[int | str, Any] = {
    400: docs.errors("GeoReport errors: a field is missing or wrong"),
    401: docs.errors("GeoReport errors: the bearer token is not valid"),
    404: docs.errors("GeoReport errors: not found, or unknown jurisdiction_id"),
    "default": docs.errors("Any other error: [{code, description}], never RFC 9457"),
}
DATE_ERROR: Final = "Not a valid datetime."
LOCATION_ERROR: Final = (
    "A location is required: lat and long, an address_string or an address_id."
)
COORDINATES_ERROR: Final = "Give lat and long together."
ONE_JURISDICTION_ERROR: Final = "Name one jurisdiction."
STATUS_ERROR: Final = "Must be open or closed."
TOO_MANY_IDS_ERROR: Final = "At most 100 ids."
_MAX_IDS: Final = 100
#: The query parameters GeoReport defines for listing requests; any other is a
#: mistake (a misspelt filter would otherwise return every request).
_LIST_PARAMETERS: Final = frozenset(
    {"jurisdiction_id", "api_key", "service_request_id", "service_code",
     "start_date", "end_date", "status"}
)  # fmt: skip


class Open311Refused(Problem):
    """An ``api_key`` that is missing, unknown or revoked."""

    code, slug = 403, "open311-api-key"


class UnknownJurisdiction(Problem):
    code, slug = 404, "open311-jurisdiction"


class JurisdictionRequired(Problem):
    code, slug = 400, "open311-jurisdiction-required"


@blp.before_request
def _check_jurisdiction() -> None:
    """``jurisdiction_id`` must name one we serve (once: the query and the body
    may not name two); with several served, it must be given."""
    served: list[str] = current_app.config["OPEN311_JURISDICTIONS"]
    named = {
        *request.args.getlist("jurisdiction_id"),
        *request.form.getlist("jurisdiction_id"),
    }
    if len(named) > 1:
        raise ValidationFailed(errors={"jurisdiction_id": [ONE_JURISDICTION_ERROR]})
    if not named and len(served) > 1:
        raise JurisdictionRequired()
    if named and not named <= set(served):
        raise UnknownJurisdiction()


def _english() -> bool:
    return i18n.current_language() == "en"


def _name(procedure: Procedure) -> str:
    return procedure.name_en if _english() else procedure.name


def _service(procedure: Procedure) -> dict[str, Any]:
    return {
        "service_code": procedure.code,
        "service_name": _name(procedure),
        "description": procedure.description_en
        if _english()
        else procedure.description,
        "metadata": bool(procedure.fields),
        "type": "batch",
        "keywords": ",".join(procedure.keywords) or None,
        "group": procedure.sector_en if _english() else procedure.sector,
    }


def _attribute(order: int, field: dict[str, Any]) -> dict[str, Any]:
    name = field["name_en"] if _english() else field["name"]
    return {
        "variable": True,
        "code": field["code"],
        "datatype": field["datatype"],
        "required": field["required"],
        "datatype_description": None,
        "order": order,
        "description": name,
        "values": [
            {
                "key": value["key"],
                "name": value["name_en"] if _english() else value["name"],
            }
            for value in field.get("values", [])
        ],
    }


def _request(dossier: Dossier, *, public: bool) -> dict[str, Any]:
    """A dossier as a GeoReport request; ``public``: nothing about a person."""
    vietnamese, english = STATUS_NAMES[dossier.status]
    last_note = None
    if not public:
        last_note = next((e.note for e in reversed(dossier.events) if e.note), None)
    due = deadlines.due_day(dossier.due_at)
    return {
        "service_request_id": dossier.receipt_code,
        "status": "open" if dossier.status in OPEN else "closed",
        "status_notes": " — ".join(
            filter(None, [english if _english() else vietnamese, last_note])
        ),
        "service_name": _name(dossier.procedure),
        "service_code": dossier.procedure.code,
        "description": None,
        "agency_responsible": dossier.agency.name,
        "service_notice": (
            f"Due {due:%Y-%m-%d}" if _english() else f"Hẹn trả kết quả {due:%d/%m/%Y}"
        ),
        "requested_datetime": dossier.submitted_at.isoformat(),
        "updated_datetime": dossier.updated_at.isoformat(),
        "expected_datetime": dossier.due_at.isoformat(),
        "address": None if public else dossier.address,
        "address_id": None if public else dossier.address_id,
        "zipcode": None,
        "lat": None if public else dossier.latitude,
        "long": None if public else dossier.longitude,
        "media_url": None,
    }


@blp.route(f"/services.{_FORMAT}")
@blp.doc(
    summary="List the procedures as Open311 services.",
    responses={
        200: _SERVICES,
        400: _ERRORS[400],
        404: _ERRORS[404],
        "default": _ERRORS["default"],
    },
)
def services_list(wire: str) -> Response:
    """List the procedures as Open311 services.

    Public: no token needed. Every procedure, by code, as a service of ``type``
    ``batch`` (``metadata`` is true when it has form fields); names, descriptions
    and ``group`` are English with ``Accept-Language: en``, else Vietnamese. JSON or
    XML by the path's extension, errors too, as GeoReport's ``[{code,
    description}]``. ``jurisdiction_id``, if given, must be one served (404); with
    several served it is required (400).
    """
    services = [_service(p) for p in submission.list_procedures()]
    return georeport.reply("services", services)


@blp.route(f"/services/<string:code>.{_FORMAT}")
@blp.doc(
    summary="A procedure's form fields as Open311 attributes.",
    responses={
        200: {
            "description": "Open311 service definition (JSON or XML)",
            "content": docs.body(docs.SERVICE_DEFINITION),
        },
        404: _ERRORS[404],
        "default": _ERRORS["default"],
    },
)
def service_definition(code: str, wire: str) -> Response:
    """A procedure's form fields as Open311 attributes.

    Public: no token needed. Each form field is an attribute, in ``order`` from 1,
    its choices as ``values``; names follow ``Accept-Language`` (``en``, else
    Vietnamese). The procedure's documents are not listed: filing here attaches
    only identity data from the register. JSON or XML by the path's extension.
    404, as a GeoReport error, when no procedure has this code or
    ``jurisdiction_id`` is not one served.
    """
    procedure = submission.get_procedure(code)
    definition = {
        "service_code": procedure.code,
        "attributes": [
            _attribute(order, field)
            for order, field in enumerate(procedure.fields, start=1)
        ],
    }
    return georeport.reply("service_definition", definition)


def _visible(actor: Actor | None) -> sa.Select[Any] | None:
    """The dossiers shown in full to ``actor``: a citizen's own, an officer's
    agency's; ``None`` for anyone else (the anonymous, staff of a clinic or a
    school), who get the public view."""
    if actor is None:
        return None
    if actor.org_id is not None:
        try:
            policies.require_officer(actor, actor.org_id)
        except Forbidden:
            return None
        return sa.select(Dossier).where(Dossier.agency_id == actor.org_id)
    return sa.select(Dossier).where(Dossier.applicant_id == actor.citizen_id)


def _instant(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        date_fields.check_moment(value)
    except date_fields.OutOfBoundsError as error:
        raise ValidationFailed(errors={name: [str(error)]}) from None
    except ValueError as error:
        raise ValidationFailed(errors={name: [DATE_ERROR]}) from error
    return value


def _listed(statement: sa.Select[Any], *, public: bool) -> list[Dossier]:
    unknown = set(request.args) - _LIST_PARAMETERS
    if unknown:
        raise ValidationFailed(
            errors={f"query.{name}": ["Unknown field."] for name in unknown}
        )
    status = request.args.get("status")
    if status not in (None, "open", "closed"):
        raise ValidationFailed(errors={"query.status": [STATUS_ERROR]})
    statement = statement.options(
        orm.selectinload(Dossier.procedure),
        orm.selectinload(Dossier.agency),
        # The public view shows no officer's note: the history is not read.
        *(() if public else (orm.selectinload(Dossier.events),)),
    )
    ids = request.args.get("service_request_id")
    if ids:
        receipts = ids.split(",")
        if len(receipts) > _MAX_IDS:  # refused, not cut: the caller would miss some
            raise ValidationFailed(
                errors={"query.service_request_id": [TOO_MANY_IDS_ERROR]}
            )
        statement = statement.where(Dossier.receipt_code.in_(receipts))
    code = request.args.get("service_code")
    if code:
        statement = statement.join(Procedure).where(Procedure.code.in_(code.split(",")))
    start, end = _instant("start_date"), _instant("end_date")
    if start is None and end is None:
        start = utcnow() - timedelta(days=90)
    if start:
        statement = statement.where(Dossier.submitted_at >= start)
    if end:
        statement = statement.where(Dossier.submitted_at <= end)
    if status is not None:
        wanted = OPEN if status == "open" else set(DossierStatus) - OPEN
        statement = statement.where(Dossier.status.in_(wanted))
    # Open311: at most 1000 requests, newest first; 90 days unless dates are given.
    return list(
        db.session.scalars(statement.order_by(Dossier.submitted_at.desc()).limit(1000))
    )


@blp.route(f"/requests.{_FORMAT}", methods=["GET"])
@blp.doc(
    summary="List requests: with a token, the caller's (an officer's: the "
    "agency's) in full; without one, every request with no personal data.",
    security=[{}, *BEARER],
    responses={200: _REQUESTS, **_ERRORS},
)
def requests_list(wire: str) -> Response:
    """List requests: with a token, the caller's (an officer's: the
    agency's) in full; without one, every request with no personal data.

    A citizen's own token lists their requests, an agency officer's (acting for it)
    the agency's, with location and the latest note of the history. No token, or
    staff of another organisation (a clinic, a school), gets every request without
    those; an invalid token is 401. Filters: ``service_request_id`` (at most 100)
    and ``service_code`` (comma-separated), ``start_date`` and ``end_date`` (ISO 8601; neither given,
    the last 90 days), ``status`` (``open`` or ``closed``); any other parameter is
    400. Newest first, at most 1000.
    """
    visible = _visible(optional_actor())
    public = visible is None
    statement = sa.select(Dossier) if visible is None else visible
    dossiers = _listed(statement, public=public)
    return georeport.reply(
        "service_requests", [_request(d, public=public) for d in dossiers]
    )


class FilingSchema(ma.Schema):
    """The GeoReport fields of a POST besides ``attribute[code]`` (spec's names)."""

    class Meta:
        unknown = ma.EXCLUDE

    service_code = Code(required=True, validate=validate.Length(min=1, max=40))
    lat = fields.Float(
        load_default=None, allow_nan=False, validate=validate.Range(-90, 90)
    )
    long = fields.Float(
        load_default=None, allow_nan=False, validate=validate.Range(-180, 180)
    )
    address_string = Text(load_default=None, validate=validate.Length(min=1, max=500))
    address_id = Code(load_default=None, validate=validate.Length(min=1, max=100))

    @ma.validates_schema(skip_on_field_errors=True)
    def _located(self, data: dict[str, Any], **_: Any) -> None:
        if (data["lat"] is None) != (data["long"] is None):
            missing = "long" if data["long"] is None else "lat"
            raise ma.ValidationError(COORDINATES_ERROR, field_name=missing)
        if data["lat"] is None and not (data["address_string"] or data["address_id"]):
            raise ma.ValidationError(LOCATION_ERROR, field_name="location")


def _attributes(source: dict[str, list[str]]) -> dict[str, Any]:
    """``attribute[code]=v`` and ``attribute[code][]=v`` pairs as a form."""
    form: dict[str, Any] = {}
    for key, values in source.items():
        match = _ATTRIBUTE.match(key)
        if match:
            form[match.group(1)] = values if match.group(2) else values[0]
    return form


@blp.route(f"/requests.{_FORMAT}", methods=["POST"])
@blp.doc(
    summary="File a request: api_key, service_code, a location (lat and long, "
    "address_string or address_id) and attribute[code]=value.",
    security=BEARER,
    requestBody={
        "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}
    },
    responses={
        201: docs.listing("The new request's id and notice", docs.CREATED),
        **_ERRORS,
        403: docs.errors(
            "GeoReport errors: api_key missing or not valid, or the token acts "
            "for an organisation"
        ),
    },
)
@idempotent
@auth_required
def requests_file(wire: str) -> Response:
    """File a request: api_key, service_code, a location (lat and long,
    address_string or address_id) and attribute[code]=value.

    A citizen's own token (401 without; 403 when acting for an organisation) and,
    in the form body, the ``api_key`` of a registered application (403 if missing,
    unknown or revoked). ``attribute[code][]`` repeats for a list field. It files a
    dossier at status 1, as ``POST /api/v1/dossiers`` does, attaching only identity
    data from the register: a procedure requiring another document is refused.
    Field errors are 400. 201 gives ``service_request_id`` (the receipt code) and
    ``service_notice`` (the due date). ``Idempotency-Key`` is honoured.
    """
    if georeport.application(request.form.get("api_key")) is None:
        raise Open311Refused()
    try:
        filing = FilingSchema().load(request.form.to_dict())
    except ma.ValidationError as error:
        raise ValidationFailed(errors=flatten_messages(error.messages)) from None
    procedure = db.session.scalar(
        sa.select(Procedure).where(Procedure.code == filing["service_code"])
    )
    if procedure is None:
        raise ValidationFailed(
            errors={"service_code": [submission.UNKNOWN_PROCEDURE_ERROR]}
        )
    actor = current_actor()
    identity = [
        {
            "code": spec["code"],
            "reference": {"kind": "identity", "id": actor.citizen_id},
        }
        for spec in procedure.documents
        if spec["sources"] == ["identity"]
    ]
    source = {key: request.form.getlist(key) for key in request.form}
    dossier = submission.submit(
        actor,
        {
            "procedure_code": procedure.code,
            "form": _attributes(source),
            "documents": identity,
            "location": {
                "latitude": filing["lat"],
                "longitude": filing["long"],
                "address": filing["address_string"],
                "address_id": filing["address_id"],
            },
        },
    )
    created = [
        {
            "service_request_id": dossier.receipt_code,
            "service_notice": _request(dossier, public=False)["service_notice"],
            "account_id": None,
        }
    ]
    return georeport.reply("service_requests", created, 201)


@blp.route(f"/requests/<string:receipt_code>.{_FORMAT}")
@blp.doc(
    summary="One request by its receipt code: in full to its applicant and agency, "
    "without personal data to anyone else.",
    security=[{}, *BEARER],
    responses={200: _REQUESTS, **_ERRORS},
)
def request_one(receipt_code: str, wire: str) -> Response:
    """One request by its receipt code: in full to its applicant and agency,
    without personal data to anyone else.

    Anyone may ask. The applicant (their own token) and officers of the handling
    agency acting for it also get the location and the latest note of the history;
    anyone else, with or without a token, gets the request without them. Not limited to
    the last 90 days. A one-item list, in JSON or XML by the path's extension. 404,
    as a GeoReport error, when no dossier has this receipt code.
    """
    visible = _visible(optional_actor())
    dossier: Dossier | None = (
        db.session.scalar(visible.where(Dossier.receipt_code == receipt_code))
        if visible is not None
        else None
    )
    public = dossier is None
    if dossier is None:
        dossier = db.session.scalar(
            sa.select(Dossier).where(Dossier.receipt_code == receipt_code)
        )
    if dossier is None:
        raise NotFound()
    return georeport.reply("service_requests", [_request(dossier, public=public)])


def init_open311(app: Any) -> None:
    """Answer every error under the facade in GeoReport's shape."""
    from app.errors import add_problem_dialect

    add_problem_dialect(app, georeport.PREFIX, georeport.render_error)
