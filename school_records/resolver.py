"""Where the verifier finds keys, status lists and the registry.

:class:`Resolver` is what the verifier asks; :class:`DatabaseResolver` is the
server's own, answering from the database, and :class:`CachedResolver` answers
offline from material fetched earlier.

The server reads a key by its ``kid`` (unique, indexed), one row per signature
checked. Its status lists come straight from the ``status_lists`` table rather
than as signed credentials: the database is what a signature would vouch for, and
a verifier that signs could create a key in a transaction nobody commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import current_app

from app.extensions import db
from identity.models import Organisation, OrganisationKind
from school_records import claims, credentials, keys
from school_records.models import StatusList


@dataclass(frozen=True)
class StatusListContent:
    """A status list as its issuer holds it (read from a source the verifier trusts)."""

    issuer: str
    purpose: str
    bits: bytes


class Resolver(Protocol):
    """Where the verifier finds keys, status lists and the registry."""

    def issuer_key(self, issuer: str, kid: str) -> Any | None:
        """The issuer's published JWK ``kid`` (validated by the verifier), if any.

        One key, never the issuer's whole JWKS: a school keeps every key it ever
        had, so what a verification costs must not depend on how many that is.
        """

    def status_list(self, url: str) -> str | StatusListContent | None:
        """The list at ``url``: a signed credential to check, or trusted content."""

    def is_registered(self, issuer: str) -> bool:
        """Whether the issuer is a school in the registry."""


def _by_kid(jwks: Any) -> dict[str, Any]:
    """A fetched JWKS's entries by ``kid``, unvalidated (only a used one is).

    A ``kid`` that two entries share answers both, which no verifier reads as a key.
    """
    entries = jwks.get("keys") if isinstance(jwks, dict) else None
    found: dict[str, Any] = {}
    for entry in entries if isinstance(entries, list) else []:
        kid = entry.get("kid") if isinstance(entry, dict) else None
        if isinstance(kid, str):
            found[kid] = [found[kid], entry] if kid in found else entry
    return found


@dataclass
class CachedResolver:
    """A resolver over material fetched earlier (offline verification).

    Each JWKS is indexed by ``kid`` once, when the resolver is made. A JWKS
    fetched for a school's URL serves credentials naming its did:web, and the
    other way round; two URLs are one issuer only when equal.
    """

    jwks: dict[str, Any] = field(default_factory=dict)
    lists: dict[str, str] = field(default_factory=dict)
    registry: set[str] = field(default_factory=set)
    _keys: dict[str, dict[str, Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._keys = {issuer: _by_kid(jwks) for issuer, jwks in self.jwks.items()}

    def _spelling(self, held: Any, issuer: str) -> str | None:
        """The spelling of ``issuer`` that ``held`` knows: a school spelt as its URL
        or as its did:web is one school (``claims.same_issuer``)."""
        return next(
            (known for known in held if claims.same_issuer(known, issuer)), None
        )

    def issuer_key(self, issuer: str, kid: str) -> Any | None:
        known = self._spelling(self._keys, issuer)
        return self._keys[known].get(kid) if known is not None else None

    def status_list(self, url: str) -> str | StatusListContent | None:
        return self.lists.get(url)

    def is_registered(self, issuer: str) -> bool:
        return self._spelling(self.registry, issuer) is not None


def school_of(issuer: str) -> uuid.UUID | None:
    """The school an issuer identifier of this service names (its URL or its
    ``did:web``), whether or not such a school exists."""
    return _id_after("schools", issuer)


def _id_after(prefix: str, identifier: str) -> uuid.UUID | None:
    """The id in ``…/api/v1/{prefix}/{id}`` on this service, spelt as its URL or,
    for a school, as its ``did:web`` identifier (``…:api:v1:schools:{id}``)."""
    as_url = f"{current_app.config['BASE_URL']}/api/v1/{prefix}/"
    as_did = credentials.did_web(f"/api/v1/{prefix}") + ":"
    base = next((b for b in (as_url, as_did) if identifier.startswith(b)), None)
    if base is None:
        return None
    rest = identifier.removeprefix(base)
    try:
        found = uuid.UUID(rest)
    except ValueError:
        return None
    return found if str(found) == rest else None  # one spelling per school


class DatabaseResolver:
    """Resolves what this service itself issued."""

    def issuer_key(self, issuer: str, kid: str) -> dict[str, Any] | None:
        school_id = _id_after("schools", issuer)
        if school_id is None:
            return None
        return keys.published_key(school_id, kid)

    def status_list(self, url: str) -> StatusListContent | None:
        list_id = _id_after("status-lists", url)
        if list_id is None:
            return None
        found = db.session.get(StatusList, list_id)
        if found is None:
            return None
        return StatusListContent(
            credentials.issuer_id(found.school_id), found.purpose.value, found.bits
        )

    def is_registered(self, issuer: str) -> bool:
        school_id = _id_after("schools", issuer)
        if school_id is None:
            return False
        school = db.session.get(Organisation, school_id)
        return (
            school is not None
            and school.kind == OrganisationKind.SCHOOL
            and school.deregistered_at is None
        )
