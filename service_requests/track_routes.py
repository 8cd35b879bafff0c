"""The public page a receipt's QR code opens: ``/track?c=<receipt code>&k=<key>``."""

from __future__ import annotations

from flask import Response, render_template, request

from app import i18n
from app.blueprint import Blueprint
from app.errors import NotFound
from service_requests import tracking

page_blp = Blueprint(
    "track_page",
    __name__,
    template_folder="templates",
    description="The public tracking page of a dossier.",
)

_PAGE_TEXT = {
    "vi": {
        "brand": "CongDan", "switch": "English", "title": "Tra cứu hồ sơ", "status": "Trạng thái",
        "receipt_code": "Mã hồ sơ", "procedure": "Thủ tục", "agency": "Cơ quan giải quyết",
        "received": "Ngày tiếp nhận", "due": "Hẹn trả kết quả", "history": "Quá trình xử lý",
        "privacy": "Trang này chỉ cho biết hồ sơ đang ở đâu; thông tin cá nhân và giấy tờ chỉ người nộp xem được trên ứng dụng CongDan.",
        "not_found": "Không tìm thấy hồ sơ theo mã này. Hãy quét lại mã QR trên giấy tiếp nhận, hoặc tra cứu trên ứng dụng CongDan.",
    },
    "en": {
        "brand": "CongDan", "switch": "Tiếng Việt", "title": "Dossier tracking", "status": "Status",
        "receipt_code": "Receipt code", "procedure": "Procedure", "agency": "Handled by",
        "received": "Received on", "due": "Result due", "history": "Progress",
        "privacy": "This page shows only where the dossier is; personal details and documents are for the applicant, in the CongDan app.",
        "not_found": "No dossier matches this code. Scan the QR code on the receipt again, or look it up in the CongDan app.",
    },
}  # fmt: skip


@page_blp.route("/track")
@page_blp.doc(
    operationId="openTrackingPage",
    summary="Track a dossier from its receipt's QR code (web page, Vietnamese or English).",
    parameters=[
        {"name": "c", "in": "query", "schema": {"type": "string"}, "description": "Receipt code"},
        {"name": "k", "in": "query", "schema": {"type": "string"}, "description": "The key printed with it"},
        {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["vi", "en"]}},
    ],
    responses={
        200: {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
        404: {"description": "HTML page: no dossier has this code and key", "content": {"text/html": {"schema": {"type": "string"}}}},
        422: {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"},
    },
)  # fmt: skip
def track_page() -> Response:
    """Track a dossier from its receipt's QR code (web page, Vietnamese or English).

    Public, no token: the receipt's QR code carries the receipt code (``c``) and a
    key derived from it under the application secret (``k``). It shows the
    procedure, the handling agency, the status by its national name, the dates
    received and due, and when each status began; never the applicant, the form,
    the documents or an officer's notes. An unknown code and a wrong key are the
    same 404 page. ``?lang=vi|en``, else ``Accept-Language``. Never cached.
    """
    lang = i18n.page_language()
    try:
        tracked = tracking.find(
            request.args.get("c", ""), request.args.get("k", ""), lang
        )
        status = 200
    except NotFound:
        tracked, status = None, 404
    text = _PAGE_TEXT[lang]
    html = render_template(
        "track.html",
        t=text,
        lang=lang,
        brand=text["brand"],
        switch_url=i18n.switch_query(lang),
        switch_label=text["switch"],
        tracked=tracked,
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Language"] = lang
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return response
