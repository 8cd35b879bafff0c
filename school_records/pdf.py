"""A printable transcript (học bạ) laid out as the official one is, whose QR code
opens the verify page (fpdf2, DejaVu Sans).

The national header, the school, the pupil, one row per subject with both
semesters and the year, conduct and learning results, the remarks, the signers
with their names and dates, and how to verify it. The QR code carries the
transcript id and the SHA-256 of its credential: whoever holds the paper can
check it is genuine and current without being sent the file.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from flask import current_app
from fpdf import FPDF
from fpdf.fonts import FontFace

from app.date_fields import LOCAL_TIMEZONE
from app.extensions import db
from app.pdf import (
    Signature,
    decimal_vi,
    labelled,
    long_date_vi,
    national_header,
    new_document,
    qr_with_caption,
    signature_blocks,
    title,
)
from identity.models import Citizen
from school_records import content as transcript_content
from school_records.models import Transcript

_LEVEL_OF_SCHOOLING = (
    (5, "TIỂU HỌC"),
    (9, "TRUNG HỌC CƠ SỞ"),
    (12, "TRUNG HỌC PHỔ THÔNG"),
)
_REGULATIONS = {
    transcript_content.TT22: "Thông tư 22/2021/TT-BGDĐT",
    transcript_content.TT27: "Thông tư 27/2020/TT-BGDĐT",
}
_HEADING_STYLE = FontFace(emphasis="BOLD", fill_color=(235, 237, 240))


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
    pdf.set_title(f"Học bạ {transcript.school_year} - {transcript.pupil.full_name}")
    content: dict[str, Any] = transcript.content
    national_header(
        pdf, [transcript.school.name.upper(), f"Mã trường: {transcript.school.code}"]
    )
    _heading(pdf, transcript)
    _grades(pdf, content.get("subjects", []))
    _results(pdf, content)
    _remarks(pdf, content)
    _signatures(pdf, transcript)
    _how_to_verify(pdf, transcript)
    return bytes(pdf.output())


def _local_day(moment: datetime | None) -> date | None:
    return moment.astimezone(LOCAL_TIMEZONE).date() if moment is not None else None


def _schooling(grade: int) -> str:
    return next(name for last, name in _LEVEL_OF_SCHOOLING if grade <= last)


def _heading(pdf: FPDF, transcript: Transcript) -> None:
    title(pdf, "HỌC BẠ", size=16)
    title(pdf, _schooling(transcript.grade), size=11)
    title(
        pdf,
        f"KẾT QUẢ HỌC TẬP VÀ RÈN LUYỆN NĂM HỌC {transcript.school_year}",
        size=11,
        after=3,
    )
    pupil = transcript.pupil
    labelled(pdf, "Họ và tên học sinh:", pupil.full_name)
    labelled(pdf, "Ngày sinh:", f"{pupil.birth_date:%d/%m/%Y}")
    labelled(
        pdf,
        "Lớp:",
        f"{transcript.class_name}    **Khối:** {transcript.grade}    **Năm học:** {transcript.school_year}",
    )
    labelled(pdf, "Trường:", f"{transcript.school.name} (mã {transcript.school.code})")
    labelled(
        pdf,
        "Đánh giá theo:",
        _REGULATIONS.get(transcript.regulation, transcript.regulation),
    )
    pdf.ln(2)


def _mark(part: dict[str, Any] | None) -> str:
    """A semester's mark: its average, its level (and score), or its result."""
    if not part:
        return ""
    if part.get("average") is not None:
        return decimal_vi(part["average"])
    if part.get("level") is not None:
        score = part.get("score")
        return (
            part["level"]
            if score is None
            else f"{part['level']} ({decimal_vi(score, 0)})"
        )
    return str(part.get("result") or "")


def _year(subject: dict[str, Any]) -> str:
    if subject.get("year_average") is not None:
        return decimal_vi(subject["year_average"])
    return str(subject.get("year_result") or subject.get("year_level") or "")


def _semester_table(
    pdf: FPDF, first: str, rows: list[tuple[str, str, str, str]]
) -> None:
    """A table of rows by both semesters and the year, ``first`` naming its rows;
    long names wrap in their cell."""
    pdf.set_font("body", "", 9.5)
    with pdf.table(
        col_widths=(84, 32, 32, 32),
        text_align=("LEFT", "CENTER", "CENTER", "CENTER"),
        line_height=4.6,
        headings_style=_HEADING_STYLE,
        padding=(0.9, 1.5),
    ) as table:
        table.row((first, "Học kỳ I", "Học kỳ II", "Cả năm"))
        for row in rows:
            table.row(row)
    pdf.ln(2)


def _grades(pdf: FPDF, subjects: list[dict[str, Any]]) -> None:
    """One row per subject: each semester's and the year's mark or result."""
    rows = [
        (
            subject["name"],
            _mark(subject.get("semester1")),
            _mark(subject.get("semester2")),
            _year(subject),
        )
        for subject in subjects
    ]
    _semester_table(pdf, "Môn học và hoạt động giáo dục", rows)


def _results(pdf: FPDF, content: dict[str, Any]) -> None:
    """Conduct and learning (Circular 22), or qualities and competences (27)."""
    rows: list[tuple[str, str, str, str]] = []
    for label, key in (
        ("Kết quả rèn luyện", "conduct"),
        ("Kết quả học tập", "learning_result"),
    ):
        levels = content.get(key)
        if levels:
            rows.append(
                (label, levels["semester1"], levels["semester2"], levels["year"])
            )
    for group, key in (("Phẩm chất", "qualities"), ("Năng lực", "competences")):
        for name, level in (content.get(key) or {}).items():
            rows.append((f"{group}: {name}", "", "", str(level)))
    if rows:
        _semester_table(pdf, "Kết quả", rows)


def _remarks(pdf: FPDF, content: dict[str, Any]) -> None:
    absences = content.get("absences")
    if absences:
        labelled(
            pdf,
            "Số buổi nghỉ học:",
            f"có phép {absences['excused']}, không phép {absences['unexcused']}",
        )
    if content.get("overall"):
        labelled(pdf, "Đánh giá cuối năm:", content["overall"])
    if content.get("promotion"):
        labelled(pdf, "Xét lên lớp:", content["promotion"])
    labelled(pdf, "Danh hiệu:", content.get("award") or "không")
    if content.get("homeroom_comment"):
        labelled(pdf, "Nhận xét của giáo viên chủ nhiệm:", content["homeroom_comment"])
    pdf.ln(2)


def _name(citizen_id: Any) -> str:
    person = db.session.get(Citizen, citizen_id) if citizen_id else None
    return person.full_name if person is not None else ""


def _signatures(pdf: FPDF, transcript: Transcript) -> None:
    """The issue date, then who drafted it and who signed it, with their dates."""
    issued = _local_day(transcript.published_at)
    if issued is not None:
        pdf.set_font("body", "", 10)
        pdf.cell(
            0,
            6,
            f"Ngày cấp: {long_date_vi(issued)}",
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(1)
    drafted_by = (
        [
            Signature(
                "Giáo viên lập học bạ",
                _name(transcript.created_by),
                _local_day(transcript.created_at),
                how="(Đã lập trên hệ thống)",
            )
        ]
        if transcript.created_by != transcript.homeroom_teacher_id
        else []
    )
    signature_blocks(
        pdf,
        [
            *drafted_by,
            Signature(
                "Giáo viên chủ nhiệm",
                _name(transcript.homeroom_teacher_id),
                _local_day(transcript.homeroom_signed_at),
            ),
            Signature("Hiệu trưởng", _name(transcript.principal_id), issued),
        ],
    )


def _how_to_verify(pdf: FPDF, transcript: Transcript) -> None:
    link = verify_url(transcript)
    qr_with_caption(
        pdf,
        link,
        "Quét để xác thực",
        [
            "Đây là bản in của học bạ số. Giáo viên chủ nhiệm và hiệu trưởng đã ký số "
            "học bạ số bằng khóa của nhà trường; bản in không có chữ ký tay.",
            "Để xác thực: quét mã QR hoặc mở trang dưới đây. Trang xác thực cho biết "
            "học bạ có do trường ký, còn hiệu lực hay không, và hiện đúng nội dung "
            "trường đã ký: hãy so sánh từng điểm, kết quả và người ký trên bản giấy "
            "này với trang đó; bất kỳ khác biệt nào nghĩa là bản giấy đã bị sửa.",
            link,
        ],
    )
