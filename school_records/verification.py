"""Verify a transcript credential in four phases, like MIT DCC's verifier-core.

The phases are a pipeline: each runs only on what the one before accepted.

* ``cryptographic`` — the JWT parses; the school's signature holds under the key
  its header names; every claim passes :class:`~school_records.claims.CredentialSchema`
  (``iat`` included: the issuance instant); every instant the credential states
  lies in its key's life — not before its creation (less :data:`CLOCK_SKEW`), not
  after its retirement, not from its withdrawal on, not in the future; the
  homeroom teacher's signature holds over the subject, made (``created``) in the
  life of the teacher's key. If any of these fails,
  nothing after it reads the claims: every later check is ``skipped``.
* ``status`` — neither the revocation nor the suspension bit is set in the
  school's status lists (a fetched list must itself pass the same checks);
* ``trust`` — the issuer is a school in the registry (a sound signature by an
  unregistered issuer fails only here);
* ``semantic`` — only for a registered issuer: the grades add up under
  Circular 22 (recomputed, not trusted).

A revoked or suspended credential is still authentic, so ``status`` gates nothing.
Every outcome is a :class:`Check` with a stable problem code; nothing raises.

Everything the verifier needs comes through a :class:`~school_records.resolver.Resolver`:
the server's reads its own database; :class:`~school_records.resolver.CachedResolver`
holds a JWKS, status lists and a registry snapshot fetched earlier, so a verifier can
work with the network off.
Keys are asked for one at a time, by issuer and ``kid``, and only the ones named
(the school's in the header, the homeroom teacher's in the proof, a status list's)
are validated, so a school with thousands of retired keys verifies as fast as one
with a single key.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import marshmallow as ma

from app import i18n
from app.db import utcnow
from app.errors import flatten_messages
from school_records import claims, consistency, credentials, jose
from school_records.models import StatusPurpose
from school_records.report import CRYPTOGRAPHIC, Check, Report
from school_records.resolver import CachedResolver, Resolver, StatusListContent

# Made once (a schema builds its fields when made; loading does not change it).
_HEADER = claims.HeaderSchema()
_HOMEROOM_HEADER = claims.HomeroomHeaderSchema()
_CREDENTIAL = claims.CredentialSchema()
_STATUS_LIST_CREDENTIAL = claims.StatusListCredentialSchema()

__all__ = ["CLOCK_SKEW", "CachedResolver", "Resolver", "StatusListContent", "verify"]

#: How far ahead of this clock an issuance date may be, and how far before its
#: key's creation (other clocks drift; ``iat`` is cut to whole seconds).
CLOCK_SKEW = timedelta(minutes=5)
_LATER = (
    ("status", "status.revocation"),
    ("status", "status.suspension"),
    ("trust", "trust.issuer_registered"),
    ("semantic", "semantic.grades"),
)


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
    key: jose.PublishedKey
    payload: dict[str, Any]
    #: SHA-256 of the bytes the signature covers.
    digest: bytes


def issuing_key(
    resolver: Resolver, issuer: str, kid: str, holder: str
) -> jose.PublishedKey | str:
    """The issuer's key ``kid`` if ``holder`` holds it, or the problem.

    A key the issuer does not publish, or another holder's, cannot have made the
    signature; a published key out of form says nothing about the credential.
    """
    kid = claims.local_kid(issuer, kid)  # did:web:…#kid names the issuer's kid
    entry = resolver.issuer_key(issuer, kid)
    if entry is None:
        return "INVALID_SIGNATURE"
    try:
        key = jose.PublishedKey.load(entry)
    except jose.UnreadableError:
        return "KEY_MALFORMED"
    return key if key.kid == kid and key.holder == holder else "INVALID_SIGNATURE"


def _signature(token: str, resolver: Resolver) -> tuple[list[Check], _Signed | None]:
    try:
        header, payload = jose.split(token, _HEADER)
        if not isinstance(payload, dict):
            raise jose.UnreadableError("the payload is not an object")
        issuer = claims.issuer_of(payload)
    except (jose.UnreadableError, ma.ValidationError):
        return [_fail("cryptographic.parse", "MALFORMED")], None
    parsed = [_ok("cryptographic.parse")]
    # Only a key of the school itself signs a credential, never a teacher's.
    key = issuing_key(resolver, issuer, header["kid"], claims.SCHOOL_HOLDER)
    if isinstance(key, str):
        return [*parsed, _fail("cryptographic.signature", key)], None
    verified = jose.verified_payload(token, key.key)
    if verified is None:
        return [*parsed, _fail("cryptographic.signature", "INVALID_SIGNATURE")], None
    signed = _Signed(issuer, key, payload, hashlib.sha256(verified).digest())
    return [*parsed, _ok("cryptographic.signature")], signed


class _ClaimsOfSignedPayloads:
    """What loading (validating) a signed payload gave, by the payload's digest.

    Loading a transcript's claims is most of a verification's work, and a pure
    function of the bytes the signature covers; the same transcript is verified
    again and again (by every employer it is shown to). Only the signature, the
    keys' lives and the status lists are checked anew each time.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: OrderedDict[bytes, tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, signed: _Signed) -> dict[str, Any]:
        """The loaded claims (a copy the caller may change).

        :raise marshmallow.ValidationError: as loading them first raised.
        """
        kept: tuple[Any, Any] | None
        with self._lock:
            kept = self._kept.get(signed.digest)
            if kept is not None:
                self._kept.move_to_end(signed.digest)
        if kept is None:
            try:
                kept = (_CREDENTIAL.load(signed.payload), None)
            except ma.ValidationError as error:
                kept = (None, error.messages)
            with self._lock:
                self._kept[signed.digest] = kept
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
        loaded: Any = kept[0]
        messages: Any = kept[1]
        if messages is not None:
            raise ma.ValidationError(copy.deepcopy(messages))
        result: dict[str, Any] = copy.deepcopy(loaded)
        return result


_claims_of = _ClaimsOfSignedPayloads(size=1024)


def in_force(
    key: jose.PublishedKey, stated: tuple[datetime, datetime], now: datetime
) -> str | None:
    """The problem with a signature by ``key`` on what states the instants from
    ``stated[0]`` to ``stated[1]``, if any: each must lie in the key's life.

    Differences, never sums: an instant of year 1 or 9999 plus the skew is no
    instant Python can hold.
    """
    earliest, latest = stated
    if latest - now > CLOCK_SKEW:
        return "CREDENTIAL_NOT_YET_VALID"
    if key.withdrawn_since is not None and (
        # Withdrawn since its creation (or before): nothing it signed holds, not
        # even what is stamped a moment before the key was made.
        latest >= key.withdrawn_since or key.withdrawn_since <= key.created_at
    ):
        return "KEY_WITHDRAWN"
    if key.retired_at is not None and latest > key.retired_at:
        return "KEY_RETIRED"
    if key.created_at - earliest > CLOCK_SKEW:
        return "KEY_NOT_YET_CREATED"
    return None


def _homeroom(
    signed: _Signed, loaded: dict[str, Any], resolver: Resolver, now: datetime
) -> Check:
    proof = loaded["homeroomProof"]
    check_id = "cryptographic.homeroom_proof"
    try:
        header, _ = jose.split(proof["jws"], _HOMEROOM_HEADER)
    except jose.UnreadableError:
        return _fail(check_id, "INVALID_SIGNATURE")
    if proof["verificationMethod"].rpartition("#")[2] != header["kid"]:
        return _fail(check_id, "INVALID_SIGNATURE")
    key = issuing_key(resolver, signed.issuer, header["kid"], claims.TEACHER_HOLDER)
    if isinstance(key, str):
        return _fail(check_id, key)
    covered = jose.verified_payload(proof["jws"], key.key)
    if covered != credentials.canonical(signed.payload["credentialSubject"]):
        return _fail(check_id, "INVALID_SIGNATURE")
    problem = in_force(key, (proof["created"], proof["created"]), now)
    return _fail(check_id, problem) if problem else _ok(check_id)


def _cryptographic(
    token: str, resolver: Resolver, now: datetime
) -> tuple[list[Check], _Signed | None, dict[str, Any] | None]:
    checks, signed = _signature(token, resolver)
    if signed is None:
        return checks, None, None
    try:
        loaded = _claims_of.load(signed)
    except ma.ValidationError as error:
        failed = _fail("cryptographic.claims", "MALFORMED_VALUE", _field_errors(error))
        return [*checks, failed], None, None
    checks.append(_ok("cryptographic.claims"))
    problem = in_force(signed.key, claims.stated_instants(loaded), now)
    if problem:
        return [*checks, _fail("cryptographic.key_validity", problem)], None, None
    checks.append(_ok("cryptographic.key_validity"))
    homeroom = _homeroom(signed, loaded, resolver, now)
    checks.append(homeroom)
    if homeroom.status != "success":
        return checks, None, None
    return checks, signed, loaded


def _signed_list(
    token: str, url: str, signed: _Signed, resolver: Resolver, now: datetime
) -> StatusListContent | str:
    """A fetched status list once it passes every check, or the problem."""
    try:
        header, payload = jose.split(token, _HEADER)
    except jose.UnreadableError:
        return "STATUS_LIST_MALFORMED"
    key = issuing_key(resolver, signed.issuer, header["kid"], claims.SCHOOL_HOLDER)
    if isinstance(key, str) or jose.verified_payload(token, key.key) is None:
        return "STATUS_LIST_SIGNATURE_ERROR"
    try:
        loaded = _STATUS_LIST_CREDENTIAL.load(payload)
        if loaded["id"] != url:
            return "STATUS_LIST_MALFORMED"
        bits = credentials.decode_bits(loaded["credentialSubject"]["encodedList"])
    except (ma.ValidationError, ValueError):
        return "STATUS_LIST_MALFORMED"
    if in_force(key, claims.stated_instants(loaded), now):
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
        found = _signed_list(found, url, signed, resolver, now)
        if isinstance(found, str):
            return _fail(check_id, found)
    if found is None:
        return _fail(check_id, "STATUS_LIST_NOT_FOUND")
    # One school, spelt as a URL (before did:web) or as a DID.
    if not claims.same_issuer(found.issuer, signed.issuer):
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
    errors = consistency.consistency_errors(subject, subject["grade"])
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
