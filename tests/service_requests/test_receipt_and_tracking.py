"""The receipt (Mẫu 01) is the form people know, and its QR code opens a public
tracking page that shows where the dossier is and nothing personal (issue 16: no
national header, no receiving officer, no fee, and a QR of the bare code)."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from app.extensions import db
from identity.models import Citizen
from service_requests.models import Dossier
from service_requests.tracking import tracking_key
from tests.pdf_reading import pdf_qr_codes, pdf_text, render_page


def _received_receipt(shop) -> tuple[str, bytes]:
    dossier = shop.submit()["id"]
    shop.move(dossier, 2)
    slip = shop.client.get(
        f"/api/v1/dossiers/{dossier}/receipt", headers=shop.as_citizen()
    )
    assert slip.status_code == 200
    folder = os.environ.get("CONGDAN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        render_page(slip.data, str(Path(folder) / "receipt-pdf.jpg"))
    return dossier, slip.data


def test_the_receipt_is_the_form_with_its_header_officer_fee_and_documents(shop):
    dossier_id, document = _received_receipt(shop)
    dossier = db.session.get(Dossier, uuid.UUID(dossier_id))
    text = " ".join(pdf_text(document).split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert f"Mã hồ sơ: {dossier.receipt_code}" in text
    assert dossier.agency.name.upper() in text
    received_by = next(e for e in dossier.events if e.to_status == 2).actor_id
    assert db.session.get(Citizen, received_by).full_name in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    fee = dossier.procedure.fee_vnd
    expected_fee = f"{fee:,}".replace(",", ".") + " đồng" if fee else "không thu"
    assert f"4. Phí, lệ phí: {expected_fee}" in text
    for document_row in dossier.documents:
        names = {spec["code"]: spec["name"] for spec in dossier.procedure.documents}
        assert names[document_row.code] in text
    assert re.search(r"Thời gian trả kết quả giải quyết hồ sơ: trước \d\d giờ", text)


def test_the_receipts_qr_opens_its_tracking_page_which_shows_nothing_personal(
    shop, client
):
    dossier_id, document = _received_receipt(shop)
    dossier = db.session.get(Dossier, uuid.UUID(dossier_id))
    [link] = pdf_qr_codes(document)
    # The same link is in the dossier, for an app to share without the paper.
    read = shop.client.get(f"/api/v1/dossiers/{dossier_id}", headers=shop.as_citizen())
    assert read.get_json()["tracking_url"] == link
    parts = urlsplit(link)
    assert parts.path == "/track"
    query = parse_qs(parts.query)
    assert query["c"] == [dossier.receipt_code]
    page = client.get(f"/track?{parts.query}", headers={"Accept-Language": "vi"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert dossier.receipt_code in html
    assert dossier.procedure.name in html
    assert '<span id="status">Được tiếp nhận</span>' in html
    applicant = dossier.applicant
    for personal in (applicant.full_name, applicant.national_id, applicant.address):
        assert personal not in html
    assert page.headers["Cache-Control"] == "no-store"


def test_a_tracking_link_needs_the_key_printed_with_its_code(shop, client):
    dossier_id, _ = _received_receipt(shop)
    dossier = db.session.get(Dossier, uuid.UUID(dossier_id))
    code = dossier.receipt_code
    key = tracking_key(code)
    forged = ("A" if key[0] != "A" else "B") + key[1:]
    for query in (
        f"c={code}&k={forged}",
        f"c={code}",
        f"c=XX-000000-00001&k={key}",
        "",
    ):
        page = client.get(f"/track?{query}", headers={"Accept-Language": "en"})
        assert page.status_code == 404
        assert "No dossier matches this code" in page.get_data(as_text=True)
        assert dossier.procedure.name not in page.get_data(as_text=True)
