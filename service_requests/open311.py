"""An Open311 GeoReport v2 facade over the catalogue and the dossiers.

Existing civic tools speak Open311: ``services.json`` is the catalogue,
``services/{code}.json`` a procedure's attributes, ``requests.json`` the caller's
dossiers (or, for an officer acting for an agency, the agency's), and a POST to it
files a dossier. ``service_request_id`` is the receipt code; the national statuses
map to ``open`` and ``closed``. Authentication is the API's bearer token (Open311's
``api_key`` is not used), identity documents are attached from the register
(once-only), and errors stay RFC 9457 problems like everywhere else.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from flask import Response, jsonify, request
from sqlalchemy import orm

from app import date_fields, i18n
from app.auth import BEARER, auth_required, current_actor
from app.blueprint import Blueprint
from app.db import utcnow
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.idempotency import idempotent
from service_requests import deadlines, policies, submission
from service_requests.models import Dossier, DossierStatus, Procedure
from service_requests.texts import STATUS_NAMES

blp = Blueprint(
    "open311",
    __name__,
    url_prefix="/open311/v2",
    description="Open311 GeoReport v2 facade (services and requests).",
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
_JSON_LIST = {
    200: {
        "description": "Open311 JSON",
        "content": {"application/json": {"schema": {"type": "array", "items": {}}}},
    }
}
DATE_ERROR: Final = "Not a valid datetime."


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
        "keywords": ",".join(procedure.keywords),
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


def _request(dossier: Dossier) -> dict[str, Any]:
    vietnamese, english = STATUS_NAMES[dossier.status]
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
        "address": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


@blp.route("/services.json")
@blp.doc(summary="List the procedures as Open311 services.", responses=_JSON_LIST)
def services_list() -> Response:
    return jsonify([_service(p) for p in submission.list_procedures()])


@blp.route("/services/<string:code>.json")
@blp.doc(
    summary="A procedure's form fields as Open311 attributes.",
    responses={
        200: {
            "description": "Open311 service definition",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        404: {"$ref": "#/components/responses/NOT_FOUND"},
    },
)
def service_definition(code: str) -> Response:
    procedure = submission.get_procedure(code)
    return jsonify(
        {
            "service_code": procedure.code,
            "attributes": [
                _attribute(order, field)
                for order, field in enumerate(procedure.fields, start=1)
            ],
        }
    )


def _visible() -> sa.Select[Any]:
    actor = current_actor()
    if actor.org_id is not None:
        policies.require_officer(actor, actor.org_id)
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
        raise ValidationFailed(errors={f"query.{name}": [str(error)]}) from None
    except ValueError as error:
        raise ValidationFailed(errors={f"query.{name}": [DATE_ERROR]}) from error
    return value


def _listed() -> list[Dossier]:
    statement = _visible().options(
        orm.selectinload(Dossier.procedure),
        orm.selectinload(Dossier.agency),
        orm.selectinload(Dossier.events),
    )
    ids = request.args.get("service_request_id")
    if ids:
        statement = statement.where(Dossier.receipt_code.in_(ids.split(",")[:100]))
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
    status = request.args.get("status")
    if status in ("open", "closed"):
        wanted = OPEN if status == "open" else set(DossierStatus) - OPEN
        statement = statement.where(Dossier.status.in_(wanted))
    # Open311: at most 1000 requests, newest first; 90 days unless dates are given.
    return list(
        db.session.scalars(statement.order_by(Dossier.submitted_at.desc()).limit(1000))
    )


def _attributes(source: dict[str, Any]) -> dict[str, Any]:
    """``attribute[code]=v`` and ``attribute[code][]=v`` pairs as a form."""
    form: dict[str, Any] = {}
    for key, values in source.items():
        match = _ATTRIBUTE.match(key)
        if match:
            form[match.group(1)] = values if match.group(2) else values[0]
    return form


@blp.route("/requests.json", methods=["GET", "POST"])
@blp.doc(
    security=BEARER,
    summary="GET: the caller's requests (an officer: the agency's). "
    "POST: file one (service_code, attribute[code]=value).",
    responses={
        **_JSON_LIST,
        422: {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"},
    },
)
@idempotent
@auth_required
def requests_json() -> Response:
    if request.method == "GET":
        return jsonify([_request(d) for d in _listed()])
    source = {key: request.form.getlist(key) for key in request.form}
    code = (request.form.get("service_code") or "").strip()
    if not code:
        raise ValidationFailed(
            errors={"service_code": ["Missing data for required field."]}
        )
    procedure = db.session.scalar(sa.select(Procedure).where(Procedure.code == code))
    if procedure is None:
        raise ValidationFailed(
            errors={"service_code": [submission.UNKNOWN_PROCEDURE_ERROR]}
        )
    identity = [
        {
            "code": spec["code"],
            "reference": {"kind": "identity", "id": current_actor().citizen_id},
        }
        for spec in procedure.documents
        if spec["sources"] == ["identity"]
    ]
    dossier = submission.submit(
        current_actor(),
        {"procedure_code": code, "form": _attributes(source), "documents": identity},
    )
    created = jsonify(
        [
            {
                "service_request_id": dossier.receipt_code,
                "service_notice": _request(dossier)["service_notice"],
                "account_id": None,
            }
        ]
    )
    created.status_code = 201
    return created


@blp.route("/requests/<string:receipt_code>.json")
@blp.doc(
    security=BEARER,
    summary="One request by its receipt code (the caller's, or the agency's).",
    responses={**_JSON_LIST, 404: {"$ref": "#/components/responses/NOT_FOUND"}},
)
@auth_required
def request_json(receipt_code: str) -> Response:
    dossier: Dossier | None = db.session.scalar(
        _visible().where(Dossier.receipt_code == receipt_code)
    )
    if dossier is None:
        raise NotFound()
    return jsonify([_request(dossier)])
