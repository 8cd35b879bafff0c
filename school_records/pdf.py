"""A printable transcript whose QR code opens the verify page (fpdf2, DejaVu Sans).

The QR code carries the transcript id and the SHA-256 of its credential: whoever
holds the paper can check it is genuine and current without being sent the file.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from fpdf import FPDF

from app.pdf import new_document, place_qr
from school_records.models import Transcript


def digest(credential: str) -> str:
    """SHA-256 of a credential, as printed in its QR code."""
    return hashlib.sha256(credential.encode()).hexdigest()


def verify_url(transcript: Transcript) -> str:
    """The verify page, opened on this transcript."""
    if transcript.credential is None:
        raise ValueError("only published transcripts have a credential")
    return f"{current_app.config['BASE_URL']}/verify?t={transcript.id}&d={digest(transcript.credential)}"


def render(transcript: Transcript) -> bytes:
    """The transcript as a one-page-or-more PDF (Vietnamese)."""
    pdf = new_document()
    content: dict[str, Any] = transcript.content
    place_qr(pdf, verify_url(transcript), x=165, y=10, size=32)
    _heading(pdf, transcript)
    _grades(pdf, content.get("subjects", []))
    _results(pdf, content)
    _how_to_verify(pdf, transcript)
    return bytes(pdf.output())


def _line(pdf: FPDF, text: str, *, height: float = 6) -> None:
    pdf.cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: FPDF, transcript: Transcript) -> None:
    pdf.set_font("body", "B", 14)
    pdf.cell(150, 8, "HỌC BẠ SỐ", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", "", 10)
    lines = [
        f"Trường: {transcript.school.name} (mã {transcript.school.code})",
        f"Học sinh: {transcript.pupil.full_name} — ngày sinh {transcript.pupil.birth_date:%d/%m/%Y}",
        f"Năm học {transcript.school_year} — khối {transcript.grade} — lớp {transcript.class_name}",
        f"Quy định đánh giá: {transcript.regulation}",
    ]
    for line in lines:
        pdf.cell(150, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _grades(pdf: FPDF, subjects: list[dict[str, Any]]) -> None:
    """One row per subject: each semester's and the year's mark or level."""
    pdf.set_font("body", "B", 9)
    widths = (60, 30, 30, 30, 30)
    for width, title in zip(
        widths, ("Môn học", "Học kỳ I", "Học kỳ II", "Cả năm", ""), strict=True
    ):
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    pdf.set_font("body", "", 9)
    for subject in subjects:
        first, second = subject["semester1"], subject["semester2"]
        cells = [
            subject["name"],
            str(first.get("average", first.get("result", first.get("level", "")))),
            str(second.get("average", second.get("result", second.get("level", "")))),
            str(subject.get("year_average", subject.get("year_result", ""))),
            "",
        ]
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 6, text, border=1)
        pdf.ln()
    pdf.ln(3)


def _results(pdf: FPDF, content: dict[str, Any]) -> None:
    """Conduct and learning results, promotion, award and the homeroom comment."""
    for label, key in (("Rèn luyện", "conduct"), ("Học tập", "learning_result")):
        levels = content.get(key)
        if levels:
            _line(
                pdf,
                f"Kết quả {label.lower()}: HK I {levels['semester1']}, HK II {levels['semester2']}, cả năm {levels['year']}",
            )
    if "overall" in content:
        _line(pdf, f"Đánh giá cuối năm: {content['overall']}")
    _line(
        pdf,
        f"Xét lên lớp: {content.get('promotion', '')}. Danh hiệu: {content.get('award') or '—'}",
    )
    if content.get("homeroom_comment"):
        pdf.multi_cell(
            0,
            6,
            f"Nhận xét của giáo viên chủ nhiệm: {content['homeroom_comment']}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(4)


def _how_to_verify(pdf: FPDF, transcript: Transcript) -> None:
    pdf.set_font("body", "", 8)
    pdf.multi_cell(
        0,
        5,
        f"Quét mã QR hoặc mở {verify_url(transcript)} để xác thực bản học bạ này.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    # A paper copy can be edited under an untouched QR code: the reader must compare.
    pdf.multi_cell(
        0,
        5,
        "Cách kiểm tra: quét mã QR, rồi so sánh từng điểm, kết quả rèn luyện, học tập "
        "và người ký trên bản giấy này với bảng hiện trên trang xác thực; bất kỳ khác "
        "biệt nào nghĩa là bản giấy đã bị sửa.",
    )
