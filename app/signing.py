"""The API's own signing key (ES256), for documents the server vouches for.

Consent artefacts are signed with it so they can be printed and verified by anyone
with the JWKS at ``/.well-known/jwks.json``. A retired key stays published for a
year and a month: as long as the longest artefact it may have signed.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, jsonify
from joserfc import jwt

from app.blueprint import Blueprint
from app.keystore import KeyStore

ALGORITHM = "ES256"
RETENTION = timedelta(days=400)

blp = Blueprint("signing", __name__, description="Keys that verify what the API signs.")
_stores: dict[str, KeyStore] = {}


def store(path: str | None = None) -> KeyStore:
    """The API's key store (``API_KEYS_FILE``)."""
    path = path or current_app.config["API_KEYS_FILE"]
    if path not in _stores:
        _stores[path] = KeyStore(Path(path), (ALGORITHM,), RETENTION)
    return _stores[path]


def init_signing(app: Flask) -> None:
    """Generate the API's first key at first run."""
    store(app.config["API_KEYS_FILE"]).ensure()


def sign(claims: dict[str, Any], typ: str) -> str:
    """A compact JWS over ``claims`` with the active key."""
    key = store().active_key(ALGORITHM)
    return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": typ}, claims, key)


@blp.route("/.well-known/jwks.json")
@blp.doc(
    summary="Read the public keys that verify documents the API signs (JWKS).",
    responses={
        200: {
            "description": "JWKS",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def jwks() -> Response:
    """Read the public keys that verify documents the API signs (JWKS).

    Public. The API's ES256 keys that sign consent artefacts (compact JWS naming
    their key by ``kid``): the active key and every key retired less than 400
    days ago, so an artefact stays verifiable as long as it is valid. Public key
    members only; ``Cache-Control: public, max-age=300``. School transcripts are
    signed with each school's own keys, published under ``/api/v1/schools``.
    """
    response = jsonify(store().published_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
