"""Receipt codes, and the receipt-and-appointment slip (Mẫu 01, Circular 01/2018).

A receipt code is ``<agency code>-<yyMMdd>-<5-digit sequence>``: the agency's
official code, the day in Vietnam, and that agency's count for the day. The count
is one row per agency and day, incremented by a single upsert, so concurrent
submissions each get their own number and none is skipped.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.pdf import new_document, place_qr
from identity.models import Organisation
from service_requests import calendar, deadlines
from service_requests.models import DocumentSource, Dossier, ReceiptCounter


def next_code(agency: Organisation, now: datetime) -> str:
    """Take the agency's next receipt number for today (Vietnam time)."""
    day = calendar.local(now).date()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ReceiptCounter)
        .values(agency_id=agency.id, day=day, last=1)
        .on_conflict_do_update(
            index_elements=[ReceiptCounter.agency_id, ReceiptCounter.day],
            set_={"last": ReceiptCounter.last + 1},
        )
        .returning(ReceiptCounter.last)
    )
    sequence = db.session.execute(statement).scalar_one()
    return f"{agency.code}-{day:%y%m%d}-{sequence:05d}"


_SOURCE_TEXT = {
    DocumentSource.UPLOAD: "bản điện tử tải lên",
    DocumentSource.IDENTITY: "dữ liệu dân cư (không cần nộp bản sao)",
    DocumentSource.TRANSCRIPT: "học bạ số (không cần nộp bản sao)",
    DocumentSource.IMMUNIZATIONS: "sổ sức khỏe điện tử (không cần nộp bản sao)",
}


def render(dossier: Dossier) -> bytes:
    """The receipt and appointment slip of a received dossier, as a PDF (Vietnamese)."""
    pdf = new_document()
    place_qr(pdf, dossier.receipt_code, x=170, y=10, size=28)
    pdf.set_font("body", "B", 10)
    pdf.cell(150, 6, dossier.agency.name.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("body", "B", 13)
    pdf.cell(
        0,
        8,
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("body", "", 10)
    pdf.cell(
        0,
        6,
        f"Mã hồ sơ: {dossier.receipt_code}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    received = calendar.local(dossier.received_at or dossier.submitted_at)
    lines = [
        f"Tiếp nhận hồ sơ của: {dossier.applicant.full_name}",
        f"Địa chỉ: {dossier.applicant.address}",
        f"Nội dung yêu cầu giải quyết: {dossier.procedure.name}",
        "Thành phần hồ sơ:",
    ]
    names = {spec["code"]: spec["name"] for spec in dossier.procedure.documents}
    lines += [
        f"  {number}. {names.get(document.code, document.code)} — {_SOURCE_TEXT[document.source]}"
        for number, document in enumerate(dossier.documents, start=1)
    ]
    lines += [
        f"Số lượng hồ sơ: 01 (bộ), nộp trực tuyến lúc {received:%H:%M ngày %d/%m/%Y}",
        f"Thời gian giải quyết theo quy định: {dossier.procedure.deadline_working_days} ngày làm việc",
        f"Thời gian nhận hồ sơ: {received:%H:%M ngày %d/%m/%Y}",
        f"Thời gian trả kết quả: {deadlines.due_day(dossier.due_at):%d/%m/%Y}, trước {calendar.CLOSES:%H:%M}",
    ]
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("body", "", 8)
    pdf.multi_cell(
        0,
        5,
        "Thời hạn tạm dừng khi yêu cầu bổ sung hồ sơ hoặc thực hiện nghĩa vụ tài chính "
        "không tính vào thời gian giải quyết. Tra cứu tình trạng hồ sơ bằng mã hồ sơ "
        "trên ứng dụng CongDan.",
    )
    return bytes(pdf.output())
