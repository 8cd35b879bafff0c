"""The procedure catalogue this deployment offers online (``procedures.json``).

The catalogue is the province's data, not code: ``flask deployment load`` reads it
from the deployment directory (``deployments/binh-duong`` for the demo's
province) and creates or updates every procedure. Codes follow the format of the
national database of administrative procedures (CSDL quốc gia về TTHC); deadlines
are statutory working days; fees are in đồng; each procedure names the official
code of the agency handling it, which the deployment registers too.

Each form field is an Open311 GeoReport v2 attribute (``string``, ``number``,
``datetime``, ``text``, ``singlevaluelist``, ``multivaluelist``). Each document
lists the sources that may supply it: ``upload``, or digitised data the citizen
already holds — ``identity`` (the population register), ``transcript`` (a
published học bạ), ``immunizations`` (the health book's vaccination history) —
reused instead of a copy.
"""

from __future__ import annotations

from pathlib import Path

import click
import marshmallow as ma
import sqlalchemy as sa
from marshmallow import validate

from app.deployment import read_json
from app.extensions import db
from identity.models import Organisation
from service_requests.forms import DATATYPES
from service_requests.models import DocumentSource, OnlineLevel, Procedure

FILE = "procedures.json"
_NAME = validate.Length(min=1, max=300)


class ValueSpecSchema(ma.Schema):
    """One choice of a list attribute."""

    key = ma.fields.String(required=True, validate=_NAME)
    name = ma.fields.String(required=True, validate=_NAME)
    name_en = ma.fields.String(required=True, validate=_NAME)


class FieldSpecSchema(ma.Schema):
    """One form field (an Open311 attribute)."""

    code = ma.fields.String(required=True, validate=_NAME)
    datatype = ma.fields.String(required=True, validate=validate.OneOf(DATATYPES))
    name = ma.fields.String(required=True, validate=_NAME)
    name_en = ma.fields.String(required=True, validate=_NAME)
    required = ma.fields.Boolean(required=True)
    values = ma.fields.List(ma.fields.Nested(ValueSpecSchema), required=True)
    past = ma.fields.Boolean()


class DocumentSpecSchema(ma.Schema):
    """One document the procedure asks for, and where it may come from."""

    code = ma.fields.String(required=True, validate=_NAME)
    name = ma.fields.String(required=True, validate=_NAME)
    name_en = ma.fields.String(required=True, validate=_NAME)
    sources = ma.fields.List(
        ma.fields.String(validate=validate.OneOf([s.value for s in DocumentSource])),
        required=True,
        validate=validate.Length(min=1),
    )
    required = ma.fields.Boolean(required=True)


class ProcedureSpecSchema(ma.Schema):
    """One procedure of the catalogue."""

    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = ma.fields.String(required=True, validate=_NAME)
    name_en = ma.fields.String(required=True, validate=_NAME)
    description = ma.fields.String(required=True)
    description_en = ma.fields.String(required=True)
    sector = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    sector_en = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=100)
    )
    agency = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    deadline_working_days = ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=365)
    )
    fee_vnd = ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=10**12)
    )
    online_level = ma.fields.Enum(OnlineLevel, by_value=True, required=True)
    keywords = ma.fields.List(ma.fields.String(validate=_NAME), required=True)
    # (``fields`` names the schema's own fields: the form's go by another name here)
    form_fields = ma.fields.List(
        ma.fields.Nested(FieldSpecSchema),
        required=True,
        data_key="fields",
        attribute="fields",
    )
    documents = ma.fields.List(ma.fields.Nested(DocumentSpecSchema), required=True)


def _agency(code: str) -> Organisation:
    found = db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
    if found is None:
        raise click.ClickException(
            f"{FILE}: agency {code} is not registered (list it in organisations.json)"
        )
    return found


def load_catalogue(directory: Path) -> str:
    """Create or update every procedure of the deployment's catalogue."""
    procedures = []
    for spec in read_json(directory / FILE, ProcedureSpecSchema(many=True)):
        values = {key: value for key, value in spec.items() if key != "agency"}
        values["agency_id"] = _agency(spec["agency"]).id
        procedure = db.session.scalar(
            sa.select(Procedure).where(Procedure.code == spec["code"])
        )
        if procedure is None:
            procedure = Procedure(**values)
            db.session.add(procedure)
        else:
            for key, value in values.items():
                if getattr(procedure, key) != value:
                    setattr(procedure, key, value)
        procedures.append(procedure)
    db.session.flush()
    return f"{len(procedures)} procedures"
