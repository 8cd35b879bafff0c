"""Verify a transcript credential in four phases, like MIT DCC's verifier-core.

The phases are a pipeline: each runs only on what the one before accepted.

* ``cryptographic`` — the JWT parses; the school's signature holds under the key
  its header names; every claim passes :class:`~school_records.claims.CredentialSchema`;
  the credential is not dated in the future nor after its key's retirement; the
  homeroom teacher's signature holds over the subject. If any of these fails,
  nothing after it reads the claims: every later check is ``skipped``.
* ``status`` — neither the revocation nor the suspension bit is set in the
  school's status lists (a fetched list must itself pass the same checks);
* ``trust`` — the issuer is a school in the registry (a sound signature by an
  unregistered issuer fails only here);
* ``semantic`` — only for a registered issuer: the grades add up under
  Circular 22 (recomputed, not trusted).

A revoked or suspended credential is still authentic, so ``status`` gates nothing.
Every outcome is a :class:`Check` with a stable problem code; nothing raises.

Everything the verifier needs comes through a :class:`Resolver`: the server's
reads its own database; :class:`CachedResolver` holds a JWKS, status lists and a
registry snapshot fetched earlier, so a verifier can work with the network off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import marshmallow as ma

from app import i18n
from app.db import utcnow
from app.errors import flatten_messages
from school_records import claims, credentials, jose
from school_records import content as transcript_content
from school_records.models import StatusPurpose
from school_records.report import CRYPTOGRAPHIC, Check, Report

#: How far ahead of this clock an issuance date may be (other clocks drift).
CLOCK_SKEW = timedelta(minutes=5)
_LATER = (
    ("status", "status.revocation"),
    ("status", "status.suspension"),
    ("trust", "trust.issuer_registered"),
    ("semantic", "semantic.grades"),
)


@dataclass(frozen=True)
class StatusListContent:
    """A status list as its issuer holds it (read from a source the verifier trusts)."""

    issuer: str
    purpose: str
    bits: bytes


class Resolver(Protocol):
    """Where the verifier finds keys, status lists and the registry."""

    def issuer_keys(self, issuer: str) -> Any | None:
        """The issuer's published JWKS (validated by the verifier), if known."""

    def status_list(self, url: str) -> str | StatusListContent | None:
        """The list at ``url``: a signed credential to check, or trusted content."""

    def is_registered(self, issuer: str) -> bool:
        """Whether the issuer is a school in the registry."""


@dataclass
class CachedResolver:
    """A resolver over material fetched earlier (offline verification)."""

    jwks: dict[str, Any] = field(default_factory=dict)
    lists: dict[str, str] = field(default_factory=dict)
    registry: set[str] = field(default_factory=set)

    def issuer_keys(self, issuer: str) -> Any | None:
        return self.jwks.get(issuer)

    def status_list(self, url: str) -> str | StatusListContent | None:
        return self.lists.get(url)

    def is_registered(self, issuer: str) -> bool:
        return issuer in self.registry


def _ok(check_id: str) -> Check:
    return Check(check_id.split(".")[0], check_id, "success")


def _fail(check_id: str, problem: str, detail: Any = None) -> Check:
    return Check(check_id.split(".")[0], check_id, "failure", problem, detail)


def _skipped_after(checks: list[Check]) -> Report:
    done = {check.id for check in checks}
    rest = [c for c in CRYPTOGRAPHIC if c not in done]
    return Report(
        checks
        + [Check("cryptographic", c, "skipped") for c in rest]
        + [Check(phase, c, "skipped") for phase, c in _LATER]
    )


def _field_errors(error: ma.ValidationError) -> dict[str, list[str]]:
    return {
        path: [i18n.translate_validation(m) for m in messages]
        for path, messages in flatten_messages(error.messages).items()
    }


@dataclass(frozen=True)
class _Signed:
    issuer: str
    keys: jose.IssuerKeys
    key: jose.PublishedKey
    payload: dict[str, Any]


def _signature(token: str, resolver: Resolver) -> tuple[list[Check], _Signed | None]:
    try:
        header, payload = jose.split(token, claims.HeaderSchema())
        if not isinstance(payload, dict):
            raise jose.UnreadableError("the payload is not an object")
        issuer = claims.issuer_of(payload)
    except (jose.UnreadableError, ma.ValidationError):
        return [_fail("cryptographic.parse", "MALFORMED")], None
    parsed = [_ok("cryptographic.parse")]
    published = resolver.issuer_keys(issuer)
    try:
        keys = jose.IssuerKeys.load(published) if published is not None else None
    except jose.UnreadableError:
        keys = None
    # Only a key of the school itself signs a credential, never a teacher's.
    key = keys.school.get(header["kid"]) if keys else None
    if keys is None or key is None or jose.verified_payload(token, key.key) is None:
        return [*parsed, _fail("cryptographic.signature", "INVALID_SIGNATURE")], None
    return [*parsed, _ok("cryptographic.signature")], _Signed(
        issuer, keys, key, payload
    )


def _in_force(key: jose.PublishedKey, issued: datetime, now: datetime) -> str | None:
    """The problem with a signature made at ``issued`` by ``key``, if any."""
    if issued > now + CLOCK_SKEW:
        return "CREDENTIAL_NOT_YET_VALID"
    return None if key.in_force_at(issued) else "KEY_RETIRED"


def _homeroom(signed: _Signed, loaded: dict[str, Any], now: datetime) -> Check:
    proof = loaded["homeroomProof"]
    check_id = "cryptographic.homeroom_proof"
    try:
        header, _ = jose.split(proof["jws"], claims.HomeroomHeaderSchema())
    except jose.UnreadableError:
        return _fail(check_id, "INVALID_SIGNATURE")
    key = signed.keys.teachers.get(header["kid"])
    named = proof["verificationMethod"].rpartition("#")[2]
    if key is None or named != header["kid"]:
        return _fail(check_id, "INVALID_SIGNATURE")
    covered = jose.verified_payload(proof["jws"], key.key)
    if covered != credentials.canonical(signed.payload["credentialSubject"]):
        return _fail(check_id, "INVALID_SIGNATURE")
    problem = _in_force(key, proof["created"], now)
    return _fail(check_id, problem) if problem else _ok(check_id)


def _cryptographic(
    token: str, resolver: Resolver, now: datetime
) -> tuple[list[Check], _Signed | None, dict[str, Any] | None]:
    checks, signed = _signature(token, resolver)
    if signed is None:
        return checks, None, None
    try:
        loaded: dict[str, Any] = claims.CredentialSchema().load(signed.payload)
    except ma.ValidationError as error:
        failed = _fail("cryptographic.claims", "MALFORMED_VALUE", _field_errors(error))
        return [*checks, failed], None, None
    checks.append(_ok("cryptographic.claims"))
    problem = _in_force(signed.key, claims.issued_at(loaded), now)
    if problem:
        return [*checks, _fail("cryptographic.key_validity", problem)], None, None
    checks.append(_ok("cryptographic.key_validity"))
    homeroom = _homeroom(signed, loaded, now)
    checks.append(homeroom)
    if homeroom.status != "success":
        return checks, None, None
    return checks, signed, loaded


def _signed_list(
    token: str, url: str, keys: jose.IssuerKeys, now: datetime
) -> StatusListContent | str:
    """A fetched status list once it passes every check, or the problem."""
    try:
        header, payload = jose.split(token, claims.HeaderSchema())
    except jose.UnreadableError:
        return "STATUS_LIST_MALFORMED"
    key = keys.school.get(header["kid"])
    if key is None or jose.verified_payload(token, key.key) is None:
        return "STATUS_LIST_SIGNATURE_ERROR"
    try:
        loaded = claims.StatusListCredentialSchema().load(payload)
        if loaded["id"] != url:
            return "STATUS_LIST_MALFORMED"
        bits = credentials.decode_bits(loaded["credentialSubject"]["encodedList"])
    except (ma.ValidationError, ValueError):
        return "STATUS_LIST_MALFORMED"
    if _in_force(key, claims.issued_at(loaded), now):
        return "STATUS_LIST_SIGNATURE_ERROR"
    subject = loaded["credentialSubject"]
    return StatusListContent(loaded["issuer"], subject["statusPurpose"], bits)


_SET_MEANS = {
    StatusPurpose.REVOCATION.value: "CREDENTIAL_REVOKED",
    StatusPurpose.SUSPENSION.value: "CREDENTIAL_SUSPENDED",
}


def _status_entry(
    entry: dict[str, Any], signed: _Signed, resolver: Resolver, now: datetime
) -> Check:
    purpose = entry["statusPurpose"]
    check_id = f"status.{purpose}"
    url = entry["statusListCredential"]
    found = resolver.status_list(url)
    if isinstance(found, str):
        found = _signed_list(found, url, signed.keys, now)
        if isinstance(found, str):
            return _fail(check_id, found)
    if found is None:
        return _fail(check_id, "STATUS_LIST_NOT_FOUND")
    if found.issuer != signed.issuer:
        return _fail(check_id, "STATUS_LIST_ISSUER_MISMATCH")
    if found.purpose != purpose:
        return _fail(check_id, "STATUS_PURPOSE_MISMATCH")
    index = entry["statusListIndex"]
    if index >= len(found.bits) * 8:
        return _fail(check_id, "STATUS_INDEX_OUT_OF_RANGE")
    if credentials.bit_at(found.bits, index):
        return _fail(check_id, _SET_MEANS[purpose])
    return _ok(check_id)


def _semantic(subject: dict[str, Any]) -> Check:
    errors = transcript_content.consistency_errors(subject, subject["grade"])
    if errors:
        return _fail(
            "semantic.grades",
            "GRADES_INCONSISTENT",
            {
                path: [i18n.translate_validation(m) for m in ms]
                for path, ms in errors.items()
            },
        )
    return _ok("semantic.grades")


def verify(token: str, resolver: Resolver) -> Report:
    """Run every phase on a ``vc+jwt`` transcript."""
    now = utcnow()
    checks, signed, loaded = _cryptographic(token.strip(), resolver, now)
    if signed is None or loaded is None:
        return _skipped_after(checks)
    entries = sorted(
        loaded["credentialStatus"],
        key=lambda e: list(_SET_MEANS).index(e["statusPurpose"]),
    )
    checks += [_status_entry(entry, signed, resolver, now) for entry in entries]
    if resolver.is_registered(signed.issuer):
        checks += [
            _ok("trust.issuer_registered"),
            _semantic(signed.payload["credentialSubject"]),
        ]
    else:
        checks += [
            _fail("trust.issuer_registered", "ISSUER_NOT_REGISTERED"),
            Check("semantic", "semantic.grades", "skipped"),
        ]
    return Report(checks, signed.payload)
