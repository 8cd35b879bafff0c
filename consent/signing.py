"""Consent artefacts as compact JWS: printable, verifiable by anyone with the JWKS.

The signature covers the artefact as granted. Whether it is *still* in force
(revoked? expired?) is a live question answered by ``GET /api/v1/consents/{id}``.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from app import signing
from consent.models import ConsentArtefact

TYPE = "consent+jwt"


def artefact_claims(artefact: ConsentArtefact) -> dict[str, Any]:
    """The signed content of an artefact."""
    return {
        "iss": current_app.config["BASE_URL"],
        "jti": str(artefact.id),
        "sub": str(artefact.subject_id),
        "iat": int(artefact.valid_from.timestamp()),
        "exp": int(artefact.valid_until.timestamp()),
        "consent": {
            "grantor": {
                "id": str(artefact.grantor_id),
                "kind": artefact.grantor_kind.value,
            },
            "grantee": {
                "id": str(artefact.grantee_org_id),
                "code": artefact.grantee.code,
                "name": artefact.grantee.name,
            },
            "purpose": artefact.purpose,
            "categories": list(artefact.categories),
            "data_period": {
                "from": artefact.data_from.isoformat(),
                "to": artefact.data_to.isoformat(),
            },
            "access_mode": artefact.access_mode.value,
            "frequency": (
                {
                    "limit": artefact.frequency_limit,
                    "per": artefact.frequency_unit.value,
                }
                if artefact.frequency_limit and artefact.frequency_unit
                else None
            ),
            "include_sensitive": artefact.include_sensitive,
            "request_id": str(artefact.request_id) if artefact.request_id else None,
        },
    }


def sign_artefact(artefact: ConsentArtefact) -> str:
    """Sign the artefact with the API's key."""
    return signing.sign(artefact_claims(artefact), TYPE)
