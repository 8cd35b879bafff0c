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
from app.pdf import (
    Signature,
    labelled,
    long_date_vi,
    money_vi,
    national_header,
    new_document,
    qr_with_caption,
    signature_blocks,
    title,
)
from identity.models import Citizen, Organisation
from service_requests import calendar, deadlines, tracking
from service_requests.models import (
    Delivery,
    DocumentSource,
    Dossier,
    DossierStatus,
    ReceiptCounter,
)


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

_DELIVERY_TEXT = {
    Delivery.ONLINE: "trực tuyến, trên ứng dụng CongDan",
    Delivery.COUNTER: "Bộ phận Tiếp nhận và Trả kết quả",
    Delivery.POST: "qua dịch vụ bưu chính công ích",
}


def receiving_officer(dossier: Dossier) -> str:
    """Who received the dossier: the officer who moved it to "received"."""
    for event in dossier.events:
        if event.to_status == DossierStatus.RECEIVED:
            officer = db.session.get(Citizen, event.actor_id)
            return officer.full_name if officer is not None else ""
    return ""


def _at(moment: datetime) -> str:
    local = calendar.local(moment)
    return f"{local:%H} giờ {local:%M} phút, {long_date_vi(local.date())}"


def render(dossier: Dossier) -> bytes:
    """The receipt and appointment slip (Mẫu 01) of a received dossier, as a PDF.

    Laid out as the form of Circular 01/2018/TT-VPCP: the agency and the national
    header, the receipt code, who submitted what, the fee, when it was received
    and when the result is due, the applicant and the receiving officer, and a QR
    code that opens the dossier's public tracking page.
    """
    pdf = new_document()
    pdf.set_title(f"Giấy tiếp nhận hồ sơ {dossier.receipt_code}")
    received_at = dossier.received_at or dossier.submitted_at
    received = calendar.local(received_at)
    national_header(
        pdf,
        [dossier.agency.name.upper(), "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"],
        left_width=84,
    )
    pdf.set_font("body", "", 10)
    pdf.cell(
        0,
        5,
        f"{long_date_vi(received.date()).capitalize()}",
        align="R",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    title(pdf, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", size=13)
    pdf.set_font("body", "", 10)
    pdf.cell(
        0,
        6,
        f"Mã hồ sơ: {dossier.receipt_code}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    applicant = dossier.applicant
    labelled(pdf, "Bộ phận Tiếp nhận và Trả kết quả:", dossier.agency.name)
    labelled(pdf, "Tiếp nhận hồ sơ của:", applicant.full_name)
    labelled(pdf, "Địa chỉ:", applicant.address or "")
    labelled(pdf, "Nội dung yêu cầu giải quyết:", dossier.procedure.name)
    labelled(pdf, "1. Thành phần hồ sơ nộp gồm:", "")
    names = {spec["code"]: spec["name"] for spec in dossier.procedure.documents}
    pdf.set_font("body", "", 10)
    for number, document in enumerate(dossier.documents, start=1):
        pdf.set_x(pdf.l_margin + 5)
        pdf.multi_cell(
            pdf.epw - 5,
            5,
            f"{number}. {names.get(document.code, document.code)}: {_SOURCE_TEXT[document.source]}",
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    labelled(pdf, "2. Số lượng hồ sơ:", "01 (bộ), nộp trực tuyến")
    labelled(
        pdf,
        "3. Thời gian giải quyết hồ sơ theo quy định:",
        f"{dossier.procedure.deadline_working_days} ngày làm việc",
    )
    fee = dossier.procedure.fee_vnd
    labelled(pdf, "4. Phí, lệ phí:", money_vi(fee) if fee else "không thu")
    labelled(pdf, "5. Thời gian nhận hồ sơ:", _at(received_at))
    due = deadlines.due_day(dossier.due_at)
    labelled(
        pdf,
        "6. Thời gian trả kết quả giải quyết hồ sơ:",
        f"trước {calendar.CLOSES:%H} giờ {calendar.CLOSES:%M} phút, {long_date_vi(due)}",
    )
    if dossier.delivery is not None:
        labelled(pdf, "7. Nhận kết quả:", _DELIVERY_TEXT[dossier.delivery])
    pdf.ln(3)
    signature_blocks(
        pdf,
        [
            Signature(
                "Người nộp hồ sơ",
                applicant.full_name,
                calendar.local(dossier.submitted_at).date(),
                how="(Nộp trực tuyến)",
            ),
            Signature(
                "Người tiếp nhận hồ sơ",
                receiving_officer(dossier),
                received.date(),
                how="(Đã tiếp nhận trên hệ thống)",
            ),
        ],
    )
    qr_with_caption(
        pdf,
        tracking.tracking_url(dossier),
        "Tra cứu hồ sơ",
        [
            "Quét mã QR để xem hồ sơ đang được xử lý đến đâu (trang tra cứu công khai "
            "chỉ hiện thủ tục, cơ quan, trạng thái và các mốc thời gian, không hiện "
            "thông tin cá nhân). Hồ sơ cũng được tra cứu bằng mã hồ sơ trên ứng dụng "
            "CongDan.",
            "Thời gian tạm dừng khi yêu cầu bổ sung hồ sơ hoặc thực hiện nghĩa vụ tài "
            "chính không tính vào thời gian giải quyết.",
        ],
    )
    return bytes(pdf.output())
