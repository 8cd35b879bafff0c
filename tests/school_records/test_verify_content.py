"""What the verifier shows: the signed grades of an authentic transcript, and nothing
a forger wrote (review issue 11, finding 5)."""

from __future__ import annotations

import html
import io
import json
import re
from urllib.parse import parse_qs

from joserfc import jwt
from joserfc.jwk import ECKey
from pypdf import PdfReader

from app.db import utcnow
from app.extensions import db
from school_records import credentials
from school_records.pdf import digest
from tests.demo_ids import SCHOOL
from tests.school_records.helpers import demo_transcript


def verify(client, **body):
    response = client.post("/api/v1/transcripts/verify", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def forged(transcript, change, *, issuer: str | None = None) -> str:
    """The transcript with ``change`` applied, re-signed by a key the school never had
    (same ``kid``, so only the key material differs)."""
    credential = credentials.build_credential(transcript, "Lê Văn Dũng")
    change(credential)
    if issuer is not None:
        credential["issuer"]["id"] = issuer
    school_kid = credentials.signing_key(transcript.school_id)[0].kid
    key = ECKey.generate_key("P-256", {"alg": "ES256", "kid": school_kid})
    header = {"alg": "ES256", "kid": school_kid, "typ": "vc+jwt", "cty": "vc"}
    return jwt.encode(header, credential, key)


def raise_maths(credential):
    """Edit a grade and every value computed from it, so the arithmetic holds."""
    subject = credential["credentialSubject"]["subjects"][0]
    subject["semester1"].update(regular=[10, 10, 10, 10], midterm=10, final=10)
    subject["semester1"]["average"] = 10
    subject["year_average"] = round((10 + 2 * subject["semester2"]["average"]) / 3, 1)


def test_grades_edited_and_resigned_by_a_foreign_key_show_no_claimed_data(
    client, citizen
):
    transcript = demo_transcript(citizen)
    db.session.commit()
    for token in (
        forged(transcript, raise_maths),
        forged(transcript, raise_maths, issuer="https://truong-gia.example/issuer"),
    ):
        report = verify(client, credential=token)
        assert report["verified"] is False
        assert report["signed_content"] is None
        assert report["summary"] is None
        text = json.dumps(report, ensure_ascii=False)
        assert "Nguyễn Thị Bình" not in text
        assert transcript.pupil.birth_date.isoformat() not in text
        assert "Toán" not in text


def test_an_unregistered_issuer_shows_no_claimed_data(client, citizen, organisation):
    token = demo_transcript(citizen).credential
    organisation(SCHOOL).deregistered_at = utcnow()
    db.session.commit()
    report = verify(client, credential=token)
    assert report["verified"] is False
    assert report["signed_content"] is None
    assert "Nguyễn Thị Bình" not in json.dumps(report, ensure_ascii=False)


def test_the_printed_qr_shows_every_signed_grade_signer_and_result(client, citizen):
    transcript = demo_transcript(citizen)
    report = verify(
        client, transcript_id=str(transcript.id), digest=digest(transcript.credential)
    )
    assert report["verified"] is True
    shown = report["signed_content"]
    content = transcript.content
    assert shown["pupil"] == {
        "name": "Nguyễn Thị Bình",
        "birth_date": transcript.pupil.birth_date.isoformat(),
    }
    assert shown["school"]["name"] == "Trường THCS Chánh Nghĩa"
    assert shown["school"]["code"] == SCHOOL
    assert (shown["school_year"], shown["grade"], shown["class_name"]) == (
        "2025-2026",
        6,
        "6A1",
    )
    assert len(shown["subjects"]) == len(content["subjects"]) > 5
    for signed, stored in zip(shown["subjects"], content["subjects"], strict=True):
        assert signed["name"] == stored["name"]
        for semester in ("semester1", "semester2"):
            assert signed[semester] == stored[semester]
        assert signed.get("year_average") == stored.get("year_average")
        assert signed.get("year_result") == stored.get("year_result")
    for key in ("conduct", "learning_result", "absences", "promotion", "award"):
        assert shown[key] == content[key]
    signers = {s["role"]: s for s in shown["signers"]}
    assert signers["homeroom_teacher"]["name"] == "Lê Văn Dũng"
    assert signers["homeroom_teacher"]["signed_at"].startswith(
        transcript.homeroom_signed_at.date().isoformat()
    )
    assert signers["principal"]["name"] == "Phạm Thị Em"
    assert signers["principal"]["signed_at"].startswith(
        transcript.published_at.date().isoformat()
    )
    assert shown["issued_at"].startswith(transcript.published_at.date().isoformat())


def test_a_revoked_transcript_still_shows_what_the_school_signed(
    client, citizen, school
):
    transcript = demo_transcript(citizen)
    revoked = client.post(
        f"/api/v1/transcripts/{transcript.id}/revoke",
        json={"reason": "Cấp nhầm"},
        headers=school.principal(),
    )
    assert revoked.status_code == 200
    report = verify(client, credential=transcript.credential)
    assert report["verified"] is False
    assert report["signed_content"]["pupil"]["name"] == "Nguyễn Thị Bình"


def test_the_verify_schema_documents_the_signed_content(client):
    spec = client.get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    verification = schemas["Verification"]["properties"]
    assert "signed_content" in verification
    signed = schemas["SignedTranscript"]["properties"]
    for key in ("subjects", "conduct", "learning_result", "signers", "issued_at"):
        assert key in signed
    assert "semester1" in schemas["SignedSubject"]["properties"]


def test_the_pdf_says_how_to_verify_and_compare(client, citizen, school):
    transcript = demo_transcript(citizen)
    response = client.get(
        f"/api/v1/transcripts/{transcript.id}/pdf", headers=school.principal()
    )
    assert response.status_code == 200
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages
    )
    text = " ".join(text.split())
    assert "quét mã QR" in text
    assert "so sánh từng điểm" in text
    assert "đã bị sửa" in text


def test_the_verify_pages_language_switch_keeps_the_transcript_it_was_opened_for(
    client,
):
    """Found by a reviewer: the switch linked to ``?lang=en`` alone, so a page opened
    from a QR code (``?t=…&d=…``) lost the transcript on changing language."""
    page = client.get("/verify?t=abc&d=0123&lang=vi").get_data(as_text=True)
    switch = re.search(r'<a href="\?([^"]+)" lang="en">', page)
    assert switch is not None
    assert parse_qs(html.unescape(switch.group(1))) == {
        "t": ["abc"],
        "d": ["0123"],
        "lang": ["en"],
    }
