"""The verifier's report: its checks, each read out in the caller's language, and
what the school signed, shown only when the report says the credential is authentic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app import i18n

#: The checks of the ``cryptographic`` phase, in the order they run.
CRYPTOGRAPHIC = (
    "cryptographic.parse",
    "cryptographic.signature",
    "cryptographic.claims",
    "cryptographic.key_validity",
    "cryptographic.homeroom_proof",
)


@dataclass
class Check:
    """One check of the report; ``message`` reads it out in the caller's language."""

    phase: str
    id: str
    status: str  # success | failure | skipped
    problem: str | None = None
    detail: Any = None

    @property
    def name(self) -> str:
        """What the check looks at, in plain words of the caller's language."""
        return i18n.translate(f"verification.name.{self.id}")

    @property
    def message(self) -> str:
        if self.status == "skipped":
            return i18n.translate("verification.skipped")
        if self.problem is None:
            return i18n.translate(f"verification.{self.id}")
        return i18n.translate(f"verification.{self.problem}")


@dataclass
class Report:
    """The phased verification report."""

    checks: list[Check]
    #: The credential's claims, once signed and validated; otherwise ``None``.
    credential: dict[str, Any] | None = None

    @property
    def verified(self) -> bool:
        return all(check.status == "success" for check in self.checks)

    @property
    def authentic(self) -> bool:
        """Signed by a key in force, both signatures hold, every claim valid, by a
        registered school: what it says is what that school said (it may since have
        been revoked or suspended)."""
        passed = {check.id for check in self.checks if check.status == "success"}
        return {*CRYPTOGRAPHIC, "trust.issuer_registered"} <= passed


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
    credential = report.credential  # signed, and every claim validated
    subject = credential["credentialSubject"]
    issuer = credential["issuer"]
    homeroom = credential["homeroomProof"]
    principal = credential["principalSignature"]
    return {
        "credential_id": credential["id"],
        "issued_at": credential["validFrom"],
        "school": {"id": issuer["id"], "name": issuer["name"], "code": issuer["code"]},
        "pupil": {"name": subject["name"], "birth_date": subject["birthDate"]},
        "school_year": subject["schoolYear"],
        "grade": subject["grade"],
        "class_name": subject["className"],
        "regulation": subject["regulation"],
        **{key: subject[key] for key in _CONTENT_KEYS if key in subject},
        "signers": [
            {
                "role": "homeroom_teacher",
                "name": homeroom["signer"],
                "signed_at": homeroom["created"],
            },
            {
                "role": "principal",
                "name": principal["signer"],
                "signed_at": principal["created"] or credential["validFrom"],
            },
        ],
    }


@dataclass(frozen=True)
class Verification:
    """The verifier's answer, as ``POST /transcripts/verify`` reports it."""

    verified: bool
    checks: list[Check]
    #: Who, which school, which year; like ``signed_content``, only when authentic.
    summary: dict[str, Any] | None
    signed_content: dict[str, Any] | None
    #: The correction now in force, when this transcript was revoked for it.
    replaced_by: dict[str, str] | None = None


def answer(
    report: Report,
    replacement: Callable[[str, str], dict[str, str] | None] | None = None,
) -> Verification:
    """The report as the API gives it: its checks, what was signed if authentic,
    and, for an authentic transcript revoked by a correction, where the correction
    is (``replacement`` looks it up by the credential's id and its issuer)."""
    signed = signed_content(report)
    summary = (
        {
            "subject_name": signed["pupil"]["name"],
            "issuer_name": signed["school"]["name"],
            "school_year": signed["school_year"],
            "grade": signed["grade"],
        }
        if signed
        else None
    )
    revoked = any(check.problem == "CREDENTIAL_REVOKED" for check in report.checks)
    replaced_by = (
        replacement(signed["credential_id"], signed["school"]["id"])
        if signed is not None and revoked and replacement is not None
        else None
    )
    return Verification(report.verified, report.checks, summary, signed, replaced_by)
