"""The public verifier never crashes, and later phases run only on signed, valid claims
(review issue 12, finding 2).

Each crafted credential is sent twice: forged (the demo credential's signature over
other bytes) and validly signed with the demo school's own key. A forgery fails the
signature and nothing after it looks at its claims; a signed credential whose claims
break the credential schema fails ``cryptographic.claims``, naming the field.
"""

from __future__ import annotations

import ast
import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from joserfc import jws

from app import i18n
from school_records import credentials, verification
from school_records.models import STATUS_LIST_BITS, StatusPurpose
from school_records.resolver import DatabaseResolver
from tests.school_records.helpers import demo_transcript
from tests.school_records.test_verification import tampered
from tests.school_records.test_verifier_fuzz import PROBLEMS
from tests.source_tree import parse_source

LATER_PHASES = {"status", "trust", "semantic"}


def post(client, token: str, lang: str = "vi") -> dict[str, Any]:
    response = client.post(
        "/api/v1/transcripts/verify",
        json={"credential": token},
        headers={"Accept-Language": lang},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def failures(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (c["phase"], c["problem"]) for c in report["checks"] if c["status"] == "failure"
    }


def check(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(c for c in report["checks"] if c["id"] == check_id)


def signed(transcript, change) -> str:
    """The transcript's credential with ``change`` applied, signed by its school."""
    credential = credentials.build_credential(transcript, "Lê Văn Dũng")
    change(credential)
    return credentials.sign_credential(transcript.school_id, credential)


def signed_bytes(transcript, payload: bytes, **header: Any) -> str:
    """Any payload at all, signed with the school's active key."""
    row, key = credentials.signing_key(transcript.school_id)
    protected = {"alg": "ES256", "kid": row.kid, "typ": "vc+jwt", **header}
    return jws.serialize_compact(protected, payload, key)


def each_status(**values: Any):
    """Change every status entry (and its ``id``, which names its list and index)."""

    def change(credential: dict[str, Any]) -> None:
        for entry in credential["credentialStatus"]:
            entry.update(values)
            entry["id"] = f"{entry['statusListCredential']}#{entry['statusListIndex']}"

    return change


CRAFTED = {
    "status-entry-a-string": (
        lambda c: c.update(credentialStatus=["x"]),
        "credentialStatus.0",
    ),
    "homeroom-proof-a-string": (
        lambda c: c.update(homeroomProof="abc"),
        "homeroomProof",
    ),
    "subject-a-list": (
        lambda c: c.update(credentialSubject=[1]),
        "credentialSubject",
    ),
    "index-negative": (
        each_status(statusListIndex="-1"),
        "credentialStatus.0.statusListIndex",
    ),
    "purpose-unknown": (
        each_status(statusPurpose="message"),
        "credentialStatus.0.statusPurpose",
    ),
    "status-list-elsewhere": (
        each_status(statusListCredential="https://evil.example/list"),
        "credentialStatus.0.statusListCredential",
    ),
    "grade-a-word": (
        lambda c: c["credentialSubject"].update(grade="six"),
        "credentialSubject.grade",
    ),
    "score-a-list": (
        lambda c: c["credentialSubject"]["subjects"][0]["semester1"].update(
            midterm=[8]
        ),
        "credentialSubject.subjects.0.semester1.midterm",
    ),
}


@pytest.mark.parametrize("name", [*CRAFTED, "index-beyond-the-list"])
def test_a_forged_credential_fails_the_signature_and_nothing_reads_its_claims(
    client, citizen, name
):
    change = (
        CRAFTED[name][0]
        if name in CRAFTED
        else each_status(statusListIndex="1000000000")
    )
    report = post(client, tampered(demo_transcript(citizen).credential, change))
    assert report["verified"] is False
    assert failures(report) == {("cryptographic", "INVALID_SIGNATURE")}
    assert {c["status"] for c in report["checks"] if c["phase"] in LATER_PHASES} == {
        "skipped"
    }
    assert report["signed_content"] is None


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_signed_credential_with_a_malformed_claim_fails_cleanly(
    client, citizen, name
):
    change, field = CRAFTED[name]
    report = post(client, signed(demo_transcript(citizen), change), lang="en")
    assert report["verified"] is False
    assert failures(report) == {("cryptographic", "MALFORMED_VALUE")}
    claims = check(report, "cryptographic.claims")
    assert field in claims["detail"], claims["detail"]
    assert claims["message"] == "The credential's data is not in the expected form."
    assert {c["status"] for c in report["checks"] if c["phase"] in LATER_PHASES} == {
        "skipped"
    }
    assert report["signed_content"] is None


def test_an_index_beyond_the_list_fails_the_status_phase(client, citizen):
    report = post(
        client,
        signed(demo_transcript(citizen), each_status(statusListIndex="1000000000")),
    )
    assert failures(report) == {
        ("status", "STATUS_INDEX_OUT_OF_RANGE"),
    }
    assert check(report, "status.revocation")["problem"] == "STATUS_INDEX_OUT_OF_RANGE"
    assert check(report, "status.suspension")["problem"] == "STATUS_INDEX_OUT_OF_RANGE"


def test_index_minus_one_no_longer_reads_the_last_bit(client, citizen):
    transcript = demo_transcript(citizen)
    lists = credentials.status_lists(transcript.school_id)
    revocation = lists[StatusPurpose.REVOCATION]
    revocation.bits = credentials.with_bit(revocation.bits, STATUS_LIST_BITS - 1, True)
    report = post(client, signed(transcript, each_status(statusListIndex="-1")))
    assert ("status", "CREDENTIAL_REVOKED") not in failures(report)
    assert failures(report) == {("cryptographic", "MALFORMED_VALUE")}
    with pytest.raises(ValueError, match="outside"):
        credentials.bit_at(revocation.bits, -1)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"[1, 2]", id="a-list"),
        pytest.param(b'"credential"', id="a-string"),
        pytest.param(b"[" * 5000 + b"]" * 5000, id="deeply-nested"),
        pytest.param(b'{"a": NaN}', id="nan"),
        pytest.param(b'{"a": ' + b"9" * 5000 + b"}", id="huge-integer"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b'{"issuer": {"id": ["x"]}}', id="issuer-a-list"),
    ],
)
def test_a_payload_that_is_no_credential_is_malformed(client, citizen, payload):
    transcript = demo_transcript(citizen)
    encoded = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    forged = f"eyJhbGciOiJFUzI1NiJ9.{encoded}.AAAA"
    for token in (forged, signed_bytes(transcript, payload)):
        report = post(client, token)
        assert failures(report) == {("cryptographic", "MALFORMED")}, token[:80]


@pytest.mark.parametrize(
    "header",
    [
        pytest.param({"kid": 5}, id="kid-a-number"),
        pytest.param({"kid": ["a"]}, id="kid-a-list"),
        pytest.param({"typ": "JWT"}, id="another-type"),
        pytest.param({"crit": ["exp"]}, id="critical-extension"),
    ],
)
def test_a_header_out_of_form_is_malformed(client, citizen, header):
    transcript = demo_transcript(citizen)
    token = credentials.sign_credential(
        transcript.school_id, credentials.build_credential(transcript, "Lê Văn Dũng")
    )
    header_b64, payload, signature = token.split(".")
    protected = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
    protected.update(header)
    changed = (
        base64.urlsafe_b64encode(json.dumps(protected).encode()).rstrip(b"=").decode()
    )
    report = post(client, f"{changed}.{payload}.{signature}")
    assert failures(report) == {("cryptographic", "MALFORMED")}


def test_a_credential_signed_by_a_teachers_key_is_not_the_schools(client, citizen):
    transcript = demo_transcript(citizen)
    credential = credentials.build_credential(transcript, "Lê Văn Dũng")
    row, key = credentials.signing_key(
        transcript.school_id, transcript.homeroom_teacher_id
    )
    token = jws.serialize_compact(
        {"alg": "ES256", "kid": row.kid, "typ": "vc+jwt"},
        credentials.canonical(credential),
        key,
    )
    report = post(client, token)
    assert failures(report) == {("cryptographic", "INVALID_SIGNATURE")}
    assert report["signed_content"] is None


def test_a_status_entry_pointing_at_the_other_purposes_list_fails(client, citizen):
    transcript = demo_transcript(citizen)
    lists = credentials.status_lists(transcript.school_id)
    suspension = credentials.status_list_url(lists[StatusPurpose.SUSPENSION].id)

    def swap(credential: dict[str, Any]) -> None:
        entry = credential["credentialStatus"][0]
        assert entry["statusPurpose"] == "revocation"
        entry["statusListCredential"] = suspension
        entry["id"] = f"{suspension}#{entry['statusListIndex']}"

    report = post(client, signed(transcript, swap))
    assert failures(report) == {("status", "STATUS_PURPOSE_MISMATCH")}


class Spy(verification.CachedResolver):
    """Records which claims of a credential the verifier looked up."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.asked: list[str] = []

    def status_list(self, url: str) -> str | None:
        self.asked.append(f"status_list {url}")
        return super().status_list(url)

    def is_registered(self, issuer: str) -> bool:
        self.asked.append(f"is_registered {issuer}")
        return super().is_registered(issuer)


def test_no_status_list_or_registry_lookup_for_a_forgery(client, citizen):
    transcript = demo_transcript(citizen)
    issuer = credentials.issuer_id(transcript.school_id)
    spy = Spy(
        jwks={issuer: client.get(f"/api/v1/schools/{transcript.school_id}/jwks").json},
        registry={issuer},
    )
    forged = tampered(
        transcript.credential,
        each_status(statusListCredential="https://tracker.example/pixel"),
    )
    report = verification.verify(forged, spy)
    assert not report.verified
    assert spy.asked == []


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("vi", "Chữ ký không hợp lệ: học bạ đã bị sửa hoặc không do trường này ký."),
        ("en", "The signature does not hold: the transcript was altered or not signed by this school."),
    ],
)  # fmt: skip
def test_every_check_has_a_message_in_the_callers_language(
    client, citizen, lang, expected
):
    token = tampered(
        demo_transcript(citizen).credential,
        lambda c: c["credentialSubject"].update(name="Người Khác"),
    )
    report = post(client, token, lang=lang)
    assert check(report, "cryptographic.signature")["message"] == expected
    assert all(c["message"] for c in report["checks"])


def _problem_codes() -> set[str]:
    """Every problem code the verifier's source can report."""
    tree = parse_source(Path(verification.__file__))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"[A-Z][A-Z_]+[A-Z]", node.value)
        and not hasattr(verification, node.value)  # a name in __all__
    }


def test_every_problem_code_reads_in_both_languages_and_is_fuzzed(app):
    """A code without its message would turn a verification into a 500."""
    codes = _problem_codes()
    assert {"INVALID_SIGNATURE", "KEY_RETIRED", "CREDENTIAL_REVOKED"} <= codes
    for code in codes:
        assert i18n.translate(f"verification.{code}", "vi")
        assert i18n.translate(f"verification.{code}", "en")
    assert codes == PROBLEMS - {None}


def test_the_database_resolver_signs_nothing_while_verifying(citizen, monkeypatch):
    transcript = demo_transcript(citizen)

    def no_signing(*_args: Any, **_kwargs: Any) -> str:
        raise AssertionError("verification must not sign")

    monkeypatch.setattr(credentials, "sign_credential", no_signing)
    assert verification.verify(transcript.credential, DatabaseResolver()).verified
