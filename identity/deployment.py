"""The province's public organisations (``organisations.json`` of a deployment).

The agencies that handle the one-stop shop's procedures and the operations centre
are the province's own; clinics and schools come from their sectors' registers.
"""

from __future__ import annotations

from pathlib import Path

import marshmallow as ma
import sqlalchemy as sa

from app.deployment import read_json
from app.extensions import db
from identity.models import Organisation, OrganisationKind, Sector

FILE = "organisations.json"


class OrganisationSpecSchema(ma.Schema):
    """One organisation of the deployment."""

    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    name_en = ma.fields.String(validate=ma.validate.Length(max=255))
    kind = ma.fields.Enum(OrganisationKind, by_value=True, required=True)
    sector = ma.fields.Enum(Sector, by_value=True, required=True)
    address = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=500)
    )


def load_organisations(directory: Path) -> str:
    """Register or update the deployment's organisations, by official code."""
    specs = read_json(directory / FILE, OrganisationSpecSchema(many=True))
    for spec in specs:
        organisation = db.session.scalar(
            sa.select(Organisation).where(Organisation.code == spec["code"])
        )
        if organisation is None:
            db.session.add(Organisation(**spec))
            continue
        for key, value in spec.items():
            if getattr(organisation, key) != value:
                setattr(organisation, key, value)
    db.session.flush()
    return f"{len(specs)} organisations"
