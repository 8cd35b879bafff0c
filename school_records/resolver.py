"""The server's own resolver: keys, status lists and registry from the database.

Status lists come straight from the ``status_lists`` table rather than as signed
credentials: the database is what a signature would vouch for, and a verifier
that signs could create a key in a transaction nobody commits.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app

from app.extensions import db
from identity.models import Organisation, OrganisationKind
from school_records import credentials, keys
from school_records.models import StatusList
from school_records.verification import StatusListContent


def _id_after(prefix: str, url: str) -> uuid.UUID | None:
    base = f"{current_app.config['BASE_URL']}/api/v1/{prefix}/"
    if not url.startswith(base):
        return None
    rest = url.removeprefix(base)
    try:
        found = uuid.UUID(rest)
    except ValueError:
        return None
    return found if str(found) == rest else None  # one spelling per school


class DatabaseResolver:
    """Resolves what this service itself issued."""

    def issuer_keys(self, issuer: str) -> dict[str, Any] | None:
        school_id = _id_after("schools", issuer)
        if school_id is None:
            return None
        jwks = keys.school_jwks(school_id)
        return jwks if jwks["keys"] else None

    def status_list(self, url: str) -> StatusListContent | None:
        list_id = _id_after("status-lists", url)
        found = db.session.get(StatusList, list_id) if list_id else None
        if found is None:
            return None
        return StatusListContent(
            credentials.issuer_id(found.school_id), found.purpose.value, found.bits
        )

    def is_registered(self, issuer: str) -> bool:
        school_id = _id_after("schools", issuer)
        school = db.session.get(Organisation, school_id) if school_id else None
        return (
            school is not None
            and school.kind == OrganisationKind.SCHOOL
            and school.deregistered_at is None
        )
