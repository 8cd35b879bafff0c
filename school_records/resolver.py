"""The server's own resolver: keys, status lists and registry from the database."""

from __future__ import annotations

import uuid

from flask import current_app
from joserfc.jwk import KeySet

from app.extensions import db
from identity.models import Organisation, OrganisationKind
from school_records import credentials
from school_records.models import StatusList


def _school_id(issuer: str) -> uuid.UUID | None:
    prefix = f"{current_app.config['BASE_URL']}/api/v1/schools/"
    if not issuer.startswith(prefix):
        return None
    try:
        return uuid.UUID(issuer.removeprefix(prefix))
    except ValueError:
        return None


class DatabaseResolver:
    """Resolves what this service itself issued."""

    def issuer_keys(self, issuer: str) -> KeySet | None:
        school_id = _school_id(issuer)
        if school_id is None:
            return None
        jwks = credentials.school_jwks(school_id)
        return KeySet.import_key_set(jwks) if jwks["keys"] else None  # type: ignore[arg-type]

    def status_list(self, url: str) -> str | None:
        prefix = f"{current_app.config['BASE_URL']}/api/v1/status-lists/"
        try:
            list_id = (
                uuid.UUID(url.removeprefix(prefix)) if url.startswith(prefix) else None
            )
        except ValueError:
            list_id = None
        status_list = db.session.get(StatusList, list_id) if list_id else None
        return credentials.status_list_credential(status_list) if status_list else None

    def is_registered(self, issuer: str) -> bool:
        school_id = _school_id(issuer)
        school = db.session.get(Organisation, school_id) if school_id else None
        return (
            school is not None
            and school.kind == OrganisationKind.SCHOOL
            and school.deregistered_at is None
        )
