"""Response bodies of the procedure catalogue: a procedure, its form fields and the
documents a dossier under it needs."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from app.fields import WholeNumber
from service_requests.models import OnlineLevel


class ChoiceSchema(ma.Schema):
    """One choice of a list field: the value stored and its names."""

    key = fields.String()
    name = fields.String()
    name_en = fields.String()


class FieldSchema(ma.Schema):
    """A form field (an Open311 attribute)."""

    code = fields.String()
    datatype = fields.String()
    name = fields.String()
    name_en = fields.String()
    required = fields.Boolean()
    values = fields.List(fields.Nested(ChoiceSchema))


class DocumentSpecSchema(ma.Schema):
    """A component of the dossier and the sources that may supply it."""

    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    required = fields.Boolean()
    sources = fields.List(fields.String())


class ProcedureSchema(ma.Schema):
    """A procedure of the catalogue."""

    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    description = fields.String()
    description_en = fields.String()
    sector = fields.String()
    sector_en = fields.String()
    agency_id = fields.UUID()
    agency_code = fields.String(attribute="agency.code")
    agency_name = fields.String(attribute="agency.name")
    deadline_working_days = WholeNumber()
    fee_vnd = WholeNumber()
    online_level = fields.Enum(OnlineLevel, by_value=True)
    fields_ = fields.List(
        fields.Nested(FieldSchema), data_key="fields", attribute="fields"
    )
    documents = fields.List(fields.Nested(DocumentSpecSchema))
