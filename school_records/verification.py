"""Verify a transcript credential in four phases, like MIT DCC's verifier-core.

* ``cryptographic`` — the JWT parses as a credential, the school's signature holds
  under its published keys, and so does the homeroom teacher's inner signature;
* ``status`` — neither the revocation nor the suspension bit is set in the
  school's status lists (themselves signature-checked);
* ``trust`` — the issuer is a school in the registry (a sound signature by an
  unregistered issuer fails only here);
* ``semantic`` — the grades add up under Circular 22 (recomputed, not trusted).

Everything the verifier needs comes through a :class:`Resolver`: the server's
reads its own database; :class:`CachedResolver` holds a JWKS, status lists and a
registry snapshot fetched earlier, so a verifier can work with the network off.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app import json_body
from school_records import content as transcript_content
from school_records.credentials import bit_at, canonical, decode_bits

ALGORITHMS = ["ES256", "EdDSA"]


class Resolver(Protocol):
    """Where the verifier finds keys, status lists and the registry."""

    def issuer_keys(self, issuer: str) -> KeySet | None: ...

    def status_list(self, url: str) -> str | None: ...

    def is_registered(self, issuer: str) -> bool: ...


@dataclass
class CachedResolver:
    """A resolver over material fetched earlier (offline verification)."""

    jwks: dict[str, dict[str, Any]] = field(default_factory=dict)
    lists: dict[str, str] = field(default_factory=dict)
    registry: set[str] = field(default_factory=set)

    def issuer_keys(self, issuer: str) -> KeySet | None:
        found = self.jwks.get(issuer)
        return KeySet.import_key_set(found) if found else None  # type: ignore[arg-type]

    def status_list(self, url: str) -> str | None:
        return self.lists.get(url)

    def is_registered(self, issuer: str) -> bool:
        return issuer in self.registry


@dataclass
class Check:
    """One check of the report."""

    phase: str
    id: str
    status: str  # success | failure | skipped
    problem: str | None = None
    detail: Any = None


@dataclass
class Report:
    """The phased verification report."""

    checks: list[Check]
    credential: dict[str, Any] | None = None

    @property
    def verified(self) -> bool:
        return all(check.status == "success" for check in self.checks)

    @property
    def authentic(self) -> bool:
        """Signed, both signatures hold, by a registered school: what the credential
        says is what that school said (it may since have been revoked or suspended)."""
        wanted = {
            "cryptographic.parse",
            "cryptographic.signature",
            "cryptographic.homeroom_proof",
            "trust.issuer_registered",
        }
        passed = {check.id for check in self.checks if check.status == "success"}
        return wanted <= passed


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _claims(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a JWT, unverified (the phases verify them)."""
    header_b64, payload_b64, _ = token.split(".")
    # Bounded: a header nested a thousand deep is malformed, not a server error.
    return json_body.loads(_b64(header_b64)), json_body.loads(_b64(payload_b64))


def _issuer(credential: dict[str, Any]) -> str:
    issuer = credential.get("issuer")
    return str(issuer.get("id") if isinstance(issuer, dict) else issuer)


def _cryptographic(
    token: str, credential: dict[str, Any], keys: KeySet | None
) -> Iterable[Check]:
    if keys is None:
        yield Check(
            "cryptographic",
            "cryptographic.signature",
            "failure",
            "INVALID_SIGNATURE",
            "No key of this issuer is known.",
        )
        yield Check("cryptographic", "cryptographic.homeroom_proof", "skipped")
        return
    try:
        jwt.decode(token, keys, algorithms=ALGORITHMS)
        yield Check("cryptographic", "cryptographic.signature", "success")
    except (JoseError, ValueError):
        yield Check(
            "cryptographic", "cryptographic.signature", "failure", "INVALID_SIGNATURE"
        )
    proof = credential.get("homeroomProof") or {}
    try:
        inner = jws.deserialize_compact(
            str(proof.get("jws")), keys, algorithms=ALGORITHMS
        )
        if inner.payload != canonical(credential.get("credentialSubject")):
            raise ValueError("the homeroom signature covers other data")
        yield Check("cryptographic", "cryptographic.homeroom_proof", "success")
    except (JoseError, ValueError):
        yield Check(
            "cryptographic",
            "cryptographic.homeroom_proof",
            "failure",
            "INVALID_SIGNATURE",
        )


def _status(
    credential: dict[str, Any], issuer: str, keys: KeySet | None, resolver: Resolver
) -> Iterable[Check]:
    entries = credential.get("credentialStatus") or []
    for entry in entries if isinstance(entries, list) else [entries]:
        purpose = entry.get("statusPurpose")
        check_id = f"status.{purpose}"
        listed = resolver.status_list(str(entry.get("statusListCredential")))
        if listed is None or keys is None:
            yield Check("status", check_id, "failure", "STATUS_LIST_NOT_FOUND")
            continue
        try:
            decoded = jwt.decode(listed, keys, algorithms=ALGORITHMS).claims
            if _issuer(decoded) != issuer:
                raise ValueError("status list of another issuer")
            bits = decode_bits(decoded["credentialSubject"]["encodedList"])
            set_ = bit_at(bits, int(entry["statusListIndex"]))
        except (JoseError, ValueError, KeyError, OSError):
            yield Check("status", check_id, "failure", "STATUS_LIST_NOT_FOUND")
            continue
        if set_:
            problem = (
                "CREDENTIAL_REVOKED"
                if purpose == "revocation"
                else "CREDENTIAL_SUSPENDED"
            )
            yield Check("status", check_id, "failure", problem)
        else:
            yield Check("status", check_id, "success")


def _semantic(credential: dict[str, Any]) -> Check:
    subject = credential.get("credentialSubject") or {}
    try:
        errors = transcript_content.consistency_errors(
            subject, int(subject.get("grade", 0))
        )
    except (KeyError, TypeError, ValueError):
        return Check(
            "semantic",
            "semantic.grades",
            "failure",
            "GRADES_INCONSISTENT",
            "The grades cannot be read.",
        )
    if errors:
        return Check(
            "semantic", "semantic.grades", "failure", "GRADES_INCONSISTENT", errors
        )
    return Check("semantic", "semantic.grades", "success")


def verify(token: str, resolver: Resolver) -> Report:
    """Run every phase on a ``vc+jwt`` transcript."""
    try:
        _, credential = _claims(token.strip())
        issuer = _issuer(credential)
        if (
            "VerifiableCredential" not in credential.get("type", [])
            or "credentialSubject" not in credential
        ):
            raise ValueError("not a verifiable credential")
    except (ValueError, TypeError, AttributeError, json.JSONDecodeError):
        return Report(
            [Check("cryptographic", "cryptographic.parse", "failure", "MALFORMED")]
        )
    keys = resolver.issuer_keys(issuer)
    checks = [Check("cryptographic", "cryptographic.parse", "success")]
    checks += list(_cryptographic(token.strip(), credential, keys))
    checks += list(_status(credential, issuer, keys, resolver))
    registered = resolver.is_registered(issuer)
    checks.append(
        Check(
            "trust",
            "trust.issuer_registered",
            "success" if registered else "failure",
            None if registered else "ISSUER_NOT_REGISTERED",
        )
    )
    checks.append(_semantic(credential))
    return Report(checks, credential)


_CONTENT_KEYS = (
    "subjects",
    "conduct",
    "learning_result",
    "qualities",
    "competences",
    "overall",
    "absences",
    "promotion",
    "award",
    "homeroom_comment",
)


def signed_content(report: Report) -> dict[str, Any] | None:
    """What the school signed, for a reader to compare with a paper copy — or
    ``None`` unless the report is :attr:`~Report.authentic`.

    A forger writes every byte of an unverified credential, so none of it (name,
    grades, school) is handed back, not even labelled: on the province's own page a
    claimed name reads as confirmed whatever the label says.
    """
    if not report.authentic or report.credential is None:
        return None
    credential = report.credential
    subject = credential.get("credentialSubject") or {}
    issuer = credential.get("issuer") or {}
    homeroom = credential.get("homeroomProof") or {}
    principal = credential.get("principalSignature") or {}
    return {
        "credential_id": credential.get("id"),
        "issued_at": credential.get("validFrom"),
        "school": {
            "id": _issuer(credential),
            "name": issuer.get("name") if isinstance(issuer, dict) else None,
            "code": issuer.get("code") if isinstance(issuer, dict) else None,
        },
        "pupil": {"name": subject.get("name"), "birth_date": subject.get("birthDate")},
        "school_year": subject.get("schoolYear"),
        "grade": subject.get("grade"),
        "class_name": subject.get("className"),
        "regulation": subject.get("regulation"),
        **{key: subject[key] for key in _CONTENT_KEYS if key in subject},
        "signers": [
            {
                "role": "homeroom_teacher",
                "name": homeroom.get("signer"),
                "signed_at": homeroom.get("created"),
            },
            {
                "role": "principal",
                "name": principal.get("signer"),
                "signed_at": principal.get("created") or credential.get("validFrom"),
            },
        ],
    }
