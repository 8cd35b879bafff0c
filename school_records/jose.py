"""Reading compact JWS and a school's JWKS without trusting either.

:func:`split` turns a compact JWS into a validated header and a JSON payload, or
raises :class:`UnreadableError`; :class:`PublishedKey` is one key of a school's
JWKS, validated, with its holder (the school signs credentials and status lists,
its teachers sign homeroom proofs) and its life. Only the keys a credential names
are ever read: a school's JWKS keeps every key it ever had.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import marshmallow as ma
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from app import json_body
from school_records import claims

_PART = re.compile(r"^[A-Za-z0-9_-]+$")
_PUBLIC_MEMBERS = ("kty", "crv", "x", "y", "kid", "alg", "use")


class UnreadableError(ValueError):
    """Not a compact JWS whose header and payload are JSON objects of the right form."""


def _json(part: str) -> Any:
    raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    # The edge's bounds: no NaN, no 5000-digit numbers, no thousand-deep nesting.
    return json_body.loads(raw.decode("utf-8"))


def split(token: str, header_schema: ma.Schema) -> tuple[dict[str, Any], Any]:
    """The validated protected header and the decoded JSON payload of ``token``.

    :raise UnreadableError: anything else (never a parser's own exception).
    """
    parts = token.split(".")
    if len(parts) != 3 or not all(_PART.match(part) for part in parts):
        raise UnreadableError("not three base64url parts")
    try:
        header = _json(parts[0])
        payload = _json(parts[1])
        if not isinstance(header, dict):
            raise UnreadableError("the header is not an object")
        loaded: dict[str, Any] = header_schema.load(header)
    except (ValueError, RecursionError, ma.ValidationError) as error:
        # RecursionError: JSON nested a few thousand levels deep.
        raise UnreadableError(str(error)) from error
    return loaded, payload


def verified_payload(token: str, key: ECKey) -> bytes | None:
    """The payload ``key`` signed in ``token`` (ES256 only), or ``None``."""
    try:
        found = jws.deserialize_compact(token, key, algorithms=list(claims.ALGORITHMS))
    except (JoseError, ValueError):
        return None
    return found.payload


_PUBLISHED_KEY = claims.PublishedKeySchema()  # made once; loading does not change it


@dataclass(frozen=True)
class PublishedKey:
    """One key of an issuer's JWKS: who holds it and its life — made at
    ``created_at``, signing until ``retired_at`` (``None``: active), and refused
    on whatever it signed from ``withdrawn_since`` on (``None``: never withdrawn)."""

    kid: str
    key: ECKey
    holder: str
    created_at: datetime
    retired_at: datetime | None
    withdrawn_since: datetime | None

    @classmethod
    def load(cls, entry: Any) -> PublishedKey:
        """Validate one published JWK (of this service's form).

        :raise UnreadableError: anything else.
        """
        try:
            loaded = _PUBLISHED_KEY.load(entry)
            key = ECKey.import_key({m: entry[m] for m in _PUBLIC_MEMBERS if m in entry})
        except (ma.ValidationError, JoseError, ValueError, TypeError) as error:
            raise UnreadableError(str(error)) from error
        return cls(
            loaded["kid"],
            key,
            loaded["holder"],
            loaded["created_at"],
            loaded.get("retired_at"),
            loaded.get("withdrawn_since"),
        )
