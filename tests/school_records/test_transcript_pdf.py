"""The printed transcript reads as the official học bạ does (issue 16: "Cả năm"
printed ``None`` for the pass/fail subjects, an empty fifth column, "8" and "7.6"
for "8,0" and "7,6", no signatures, no issue date, no word on how to verify it,
and a caption stretched across the page)."""

from __future__ import annotations

import os
from pathlib import Path

from app.date_fields import LOCAL_TIMEZONE
from school_records.pdf import verify_url
from tests.demo_ids import BINH
from tests.pdf_reading import pdf_qr_codes, pdf_text, render_page
from tests.school_records.helpers import demo_transcript


def _printed(client, citizen, auth_headers) -> tuple[bytes, object]:
    transcript = demo_transcript(citizen)
    guardian = auth_headers(citizen(BINH))  # a pupil reads her own
    response = client.get(f"/api/v1/transcripts/{transcript.id}/pdf", headers=guardian)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    folder = os.environ.get("CONGDAN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        render_page(response.data, str(Path(folder) / "transcript-pdf.jpg"))
    return response.data, transcript


def test_the_printed_transcript_has_the_national_header_and_every_grade(
    client, citizen, auth_headers
):
    document, transcript = _printed(client, citizen, auth_headers)
    text = pdf_text(document)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "HỌC BẠ" in text
    assert "TRUNG HỌC CƠ SỞ" in text
    assert transcript.school.name.upper() in text
    assert transcript.pupil.full_name in text
    assert f"{transcript.pupil.birth_date:%d/%m/%Y}" in text
    lines = text.splitlines()
    for subject in transcript.content["subjects"]:
        if subject.get("year_average") is not None:
            marks = [
                subject["semester1"]["average"],
                subject["semester2"]["average"],
                subject["year_average"],
            ]
            expected = " ".join(f"{mark:.1f}".replace(".", ",") for mark in marks)
        else:
            expected = " ".join(
                [
                    subject["semester1"]["result"],
                    subject["semester2"]["result"],
                    subject["year_result"],
                ]
            )
        # The name may wrap in its cell; its marks end the row that holds it.
        assert any(line.endswith(expected) for line in lines), (
            subject["name"],
            expected,
        )
    assert "None" not in text
    assert "Hoạt động trải nghiệm, hướng nghiệp" in text.replace("\n", " ")


def test_the_printed_transcript_names_its_signers_dates_and_how_to_verify_it(
    client, citizen, auth_headers
):
    document, transcript = _printed(client, citizen, auth_headers)
    text = pdf_text(document)
    issued = transcript.published_at
    local = issued.astimezone(LOCAL_TIMEZONE)
    assert f"Ngày cấp: ngày {local:%d} tháng {local:%m} năm {local:%Y}" in text
    for role in ("GIÁO VIÊN CHỦ NHIỆM", "HIỆU TRƯỞNG"):
        assert role in text
    assert transcript.homeroom_teacher.full_name in text
    assert "Phạm Thị Em" in text  # the principal
    assert text.count("(Đã ký số)") == 2
    signed = transcript.homeroom_signed_at.astimezone(LOCAL_TIMEZONE)
    assert f"{signed:%d/%m/%Y}" in text
    assert "ký số" in text
    assert "Quét để xác thực" in text
    # The QR code printed on the page opens the verify page on this transcript.
    assert pdf_qr_codes(document) == [verify_url(transcript)]
