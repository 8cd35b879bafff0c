"""Phased verification: what each kind of failure looks like, and offline use."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import sqlalchemy as sa
from joserfc import jws

from app.audit import AuditEvent
from app.db import utcnow
from app.extensions import db
from school_records import credentials, keys, verification
from school_records.models import StatusList
from school_records.resolver import DatabaseResolver
from tests.demo_ids import SCHOOL
from tests.problems import assert_problem
from tests.school_records.helpers import demo_transcript
from tests.school_records.test_school_keys import jwks_of


def verify(client, token):
    response = client.post("/api/v1/transcripts/verify", json={"credential": token})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def failures(report):
    return {
        (c["phase"], c["problem"]) for c in report["checks"] if c["status"] == "failure"
    }


def tampered(token: str, change) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(claims)
    encoded = (
        base64.urlsafe_b64encode(json.dumps(claims, ensure_ascii=False).encode())
        .rstrip(b"=")
        .decode()
    )
    return f"{header}.{encoded}.{signature}"


def test_the_demo_transcript_verifies_in_every_phase(client, citizen):
    report = verify(client, demo_transcript(citizen).credential)
    assert report["verified"] is True
    assert {c["phase"] for c in report["checks"]} == {
        "cryptographic",
        "status",
        "trust",
        "semantic",
    }
    assert all(c["status"] == "success" for c in report["checks"])
    assert report["summary"]["subject_name"] == "Nguyễn Thị Bình"
    assert report["summary"]["issuer_name"] == "Trường THCS Chánh Nghĩa"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda c: c["credentialSubject"]["subjects"][0]["semester1"].update(
                final=10
            ),
            id="score",
        ),
        pytest.param(
            lambda c: c["credentialSubject"]["subjects"][1].update(name="Văn học"),
            id="subject-name",
        ),
        pytest.param(lambda c: c["issuer"].update(name="Trường Giả Mạo"), id="issuer"),
    ],
)
def test_tampering_fails_the_cryptographic_phase(client, citizen, change):
    report = verify(client, tampered(demo_transcript(citizen).credential, change))
    assert report["verified"] is False
    assert ("cryptographic", "INVALID_SIGNATURE") in failures(report)


def test_malformed_input_is_reported_as_such(client):
    report = verify(client, "not-a-credential-at-all")
    assert report["verified"] is False
    assert failures(report) == {("cryptographic", "MALFORMED")}


def test_revoked_and_suspended_report_and_unsuspend_restores(client, citizen, school):
    transcript = demo_transcript(citizen)
    token = transcript.credential
    client.post(
        f"/api/v1/transcripts/{transcript.id}/suspend",
        json={"reason": "Đang xác minh"},
        headers=school.principal(),
    )
    assert failures(verify(client, token)) == {("status", "CREDENTIAL_SUSPENDED")}
    client.post(
        f"/api/v1/transcripts/{transcript.id}/unsuspend",
        json={"reason": "Đã xác minh"},
        headers=school.principal(),
    )
    assert verify(client, token)["verified"] is True
    client.post(
        f"/api/v1/transcripts/{transcript.id}/revoke",
        json={"reason": "Cấp nhầm"},
        headers=school.principal(),
    )
    assert failures(verify(client, token)) == {("status", "CREDENTIAL_REVOKED")}
    # Each act keeps its reason where an auditor reads it (unsuspending kept none).
    reasons = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.details)
        .where(AuditEvent.action.like("transcript.%"))
        .where(AuditEvent.action != "transcript.exported")
        .order_by(AuditEvent.id)
    ).all()
    assert [(action, details["reason"]) for action, details in reasons[-3:]] == [
        ("transcript.suspended", "Đang xác minh"),
        ("transcript.unsuspended", "Đã xác minh"),
        ("transcript.revoked", "Cấp nhầm"),
    ]


def test_an_unregistered_issuer_fails_only_trust(client, citizen, organisation):
    token = demo_transcript(citizen).credential
    organisation(SCHOOL).deregistered_at = utcnow()
    db.session.commit()
    report = verify(client, token)
    assert failures(report) == {("trust", "ISSUER_NOT_REGISTERED")}
    signature = next(
        c for c in report["checks"] if c["id"] == "cryptographic.signature"
    )
    assert signature["status"] == "success"


def _proved_by_the_homeroom_teacher(transcript, credential) -> None:
    """Sign ``credential``'s subject as it now is with the homeroom teacher's key."""
    row, key = credentials.signing_key(
        transcript.school_id, transcript.homeroom_teacher_id
    )
    credential["homeroomProof"]["jws"] = jws.serialize_compact(
        {"alg": "ES256", "kid": row.kid, "typ": "hocba-homeroom+jws"},
        credentials.canonical(credential["credentialSubject"]),
        key,
    )


def test_inconsistent_grades_fail_the_semantic_phase(app, citizen):
    transcript = demo_transcript(citizen)
    credential = credentials.build_credential(transcript, "Lê Văn Dũng")
    credential["credentialSubject"]["learning_result"]["year"] = "Chưa đạt"
    # Signed by the teacher and the school themselves, so only the grade
    # arithmetic can catch it.
    _proved_by_the_homeroom_teacher(transcript, credential)
    token = credentials.sign_credential(transcript.school_id, credential)
    report = verification.verify(token, DatabaseResolver())
    problems = {c.problem for c in report.checks if c.status == "failure"}
    assert "GRADES_INCONSISTENT" in problems


def test_status_lists_are_signed_16kb_bitstrings(client, citizen):
    entry = next(
        e
        for e in json.loads(
            base64.urlsafe_b64decode(
                demo_transcript(citizen).credential.split(".")[1] + "=="
            )
        )["credentialStatus"]
        if e["statusPurpose"] == "revocation"
    )
    response = client.get(
        entry["statusListCredential"].removeprefix("http://localhost")
    )
    assert response.mimetype == "application/vc+jwt"
    claims = json.loads(
        base64.urlsafe_b64decode(response.get_data(as_text=True).split(".")[1] + "==")
    )
    bits = credentials.decode_bits(claims["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= 131_072
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]


def test_a_verifier_with_cached_keys_and_lists_works_offline(
    client, citizen, monkeypatch
):
    token = demo_transcript(citizen).credential
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    issuer = claims["issuer"]["id"]
    cache = verification.CachedResolver(
        jwks={issuer: jwks_of(client, issuer)},
        lists={
            e["statusListCredential"]: client.get(
                e["statusListCredential"].removeprefix("http://localhost")
            ).get_data(as_text=True)
            for e in claims["credentialStatus"]
        },
        registry={issuer},
    )

    def offline(*_args, **_kwargs):
        raise OSError("network is off")

    monkeypatch.setattr("socket.socket.connect", offline)
    monkeypatch.setattr(DatabaseResolver, "issuer_key", offline)
    report = verification.verify(token, cache)
    assert report.verified


def test_verify_by_printed_qr_reference(client, citizen):
    transcript = demo_transcript(citizen)
    from school_records.pdf import digest

    ok = client.post(
        "/api/v1/transcripts/verify",
        json={
            "transcript_id": str(transcript.id),
            "digest": digest(transcript.credential),
        },
    )
    assert ok.get_json()["verified"] is True
    wrong = client.post(
        "/api/v1/transcripts/verify",
        json={"transcript_id": str(transcript.id), "digest": "0" * 64},
    )
    assert_problem(wrong, 404, "not-found")


def test_verification_is_rate_limited(database_url):
    from tests.conftest import make_app

    limited = make_app(database_url, VERIFY_RATE_LIMIT="2/minute").test_client()
    for _ in range(2):
        assert (
            limited.post(
                "/api/v1/transcripts/verify", json={"credential": "x" * 20}
            ).status_code
            == 200
        )
    refused = limited.post("/api/v1/transcripts/verify", json={"credential": "x" * 20})
    assert_problem(refused, 429, "rate-limited")
    assert int(refused.headers["Retry-After"]) > 0


def test_the_homeroom_proof_is_bound_to_the_subject(client, citizen):
    """A school that re-signs a changed subject cannot keep the teacher's proof."""
    transcript = demo_transcript(citizen)
    payload = transcript.credential.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["className"] = "6A9"
    resigned = credentials.sign_credential(transcript.school_id, claims)
    report = verify(client, resigned)
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["cryptographic.signature"]["status"] == "success"
    assert checks["cryptographic.homeroom_proof"]["status"] == "failure"
    assert checks["cryptographic.homeroom_proof"]["problem"] == "INVALID_SIGNATURE"
    assert report["verified"] is False
    assert report["signed_content"] is None


def _status_list_of(transcript) -> tuple[str, int]:
    entry = next(
        e
        for e in json.loads(
            base64.urlsafe_b64decode(transcript.credential.split(".")[1] + "==")
        )["credentialStatus"]
        if e["statusPurpose"] == "revocation"
    )
    return (
        entry["statusListCredential"].removeprefix("http://localhost"),
        int(entry["statusListIndex"]),
    )


def test_a_signed_status_list_is_served_again_until_its_bits_or_key_change(
    client, citizen
):
    transcript = demo_transcript(citizen)
    path, index = _status_list_of(transcript)
    first = client.get(path).get_data(as_text=True)
    assert client.get(path).get_data(as_text=True) == first  # signed once, reused

    row = db.session.get(StatusList, uuid.UUID(path.rsplit("/", 1)[1]))
    row.bits = credentials.with_bit(row.bits, index, True)
    db.session.flush()
    changed = client.get(path).get_data(as_text=True)
    assert changed != first
    encoded = json.loads(base64.urlsafe_b64decode(changed.split(".")[1] + "=="))
    bits = credentials.decode_bits(encoded["credentialSubject"]["encodedList"])
    assert credentials.bit_at(bits, index)

    keys.rotate(row.school_id)
    rotated = client.get(path).get_data(as_text=True)
    assert (
        jws.extract_compact(rotated.encode()).protected["kid"]
        != (jws.extract_compact(changed.encode()).protected["kid"])
    )


def test_a_transcript_verified_again_gives_the_same_answer(client, citizen):
    """The claims a signature covers are loaded once: a second verification of the
    same bytes, good or malformed, answers as the first did."""
    transcript = demo_transcript(citizen)
    assert verify(client, transcript.credential) == verify(
        client, transcript.credential
    )

    credential = credentials.build_credential(transcript, "Lê Văn Dũng")
    credential["credentialSubject"]["grade"] = 99
    malformed = credentials.sign_credential(transcript.school_id, credential)
    first, again = verify(client, malformed), verify(client, malformed)
    assert failures(first) == {("cryptographic", "MALFORMED_VALUE")}
    assert again == first


def _homeroom_check(transcript, change) -> tuple[str, str | None]:
    """The homeroom proof's check once ``change(credential)`` has altered it, the
    whole credential signed again by the school itself (so only that check fails)."""
    credential = credentials.build_credential(transcript, "Lê Văn Dũng")
    _proved_by_the_homeroom_teacher(transcript, credential)
    change(credential)
    token = credentials.sign_credential(transcript.school_id, credential)
    report = verification.verify(token, DatabaseResolver())
    [check] = [c for c in report.checks if c.id == "cryptographic.homeroom_proof"]
    return check.status, check.problem


def test_each_way_a_homeroom_proof_can_fail_is_named(citizen):
    """Mutation testing found these refusals untested by their exact check."""
    transcript = demo_transcript(citizen)
    school_row, school_key = credentials.signing_key(transcript.school_id)

    def unreadable(credential):  # a compact JWS whose header is not one
        credential["homeroomProof"]["jws"] = "eyJ4IjoxfQ.e30.AAAA"

    def naming_another_key(credential):
        proof = credential["homeroomProof"]
        proof["verificationMethod"] = proof["verificationMethod"] + "-other"

    def by_the_school_not_the_teacher(credential):
        proof = credential["homeroomProof"]
        proof["jws"] = jws.serialize_compact(
            {"alg": "ES256", "kid": school_row.kid, "typ": "hocba-homeroom+jws"},
            credentials.canonical(credential["credentialSubject"]),
            school_key,
        )
        proof["verificationMethod"] = (
            proof["verificationMethod"].rpartition("#")[0] + "#" + school_row.kid
        )

    def of_another_subject(credential):  # the subject changed after the proof
        credential["credentialSubject"]["learning_result"]["year"] = "Chưa đạt"

    assert _homeroom_check(transcript, lambda c: None) == ("success", None)
    for change in (
        unreadable,
        naming_another_key,
        by_the_school_not_the_teacher,
        of_another_subject,
    ):
        assert _homeroom_check(transcript, change) == (
            "failure",
            "INVALID_SIGNATURE",
        ), change.__name__
