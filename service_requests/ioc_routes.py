"""The province operations centre's dashboard: ``/ioc``, a page for analysts.

The page is a shell with its script; everything it shows comes from
``GET /api/v1/stats`` with the analyst's own token, got the way every client gets
one: a VNeID login (PKCE, ``redirect_uri`` this page), then acting for the
operations centre. The API refuses everyone else, and the page then says so.
"""

from __future__ import annotations

import secrets

from flask import Response, current_app, render_template

from app import i18n
from app.blueprint import Blueprint

page_blp = Blueprint(
    "ioc_page",
    __name__,
    template_folder="templates",
    description="The operations centre's dashboard page.",
)

_PAGE_TEXT = {
    "vi": {
        "brand": "CongDan · Trung tâm điều hành", "switch": "English",
        "title": "Dịch vụ công trực tuyến: số liệu tổng hợp",
        "intro": "Trang dành cho cán bộ phân tích của Trung tâm điều hành thông minh tỉnh. Chỉ có số liệu tổng hợp, không có thông tin của người dân.",
        "login": "Đăng nhập bằng VNeID", "logout": "Đăng xuất", "loading": "Đang tải số liệu…",
        "refused": "Tài khoản này không có vai trò cán bộ phân tích của Trung tâm điều hành, nên không xem được trang này.",
        "expired": "Phiên làm việc đã hết hạn; hãy đăng nhập lại.", "failed": "Không tải được số liệu; hãy thử lại.",
        "from": "Từ tháng", "to": "Đến tháng", "agency": "Cơ quan", "all_agencies": "Tất cả cơ quan",
        "interval": "Chuỗi theo", "day": "ngày", "week": "tuần", "month": "tháng", "show": "Xem",
        "coverage": "Số liệu của các tháng đã khép lại, đến hết ngày {date}. Ô dưới {k} hồ sơ được ẩn và ghi là “<{k}”; số liệu bỏ qua phần bị ẩn được đánh dấu *.",
        "empty": "Chưa có tháng nào đã khép lại trong khoảng này.",
        "received": "Hồ sơ tiếp nhận", "resolved": "Đã giải quyết", "on_time_rate": "Đúng hạn",
        "overdue": "Đang quá hạn", "average_days": "Thời gian xử lý trung bình", "days_unit": "ngày làm việc",
        "online": "Trực tuyến toàn trình", "reused": "Tái sử dụng dữ liệu số",
        "series": "Hồ sơ tiếp nhận theo thời gian", "by_status": "Theo trạng thái", "by_procedure": "Theo thủ tục",
        "by_agency": "Theo cơ quan", "activity": "Chia sẻ dữ liệu và học bạ số",
        "start": "Bắt đầu", "dossiers": "Hồ sơ", "status": "Trạng thái", "procedure": "Thủ tục",
        "finished": "Đã giải quyết", "overdue_open": "Quá hạn", "kind": "Hoạt động", "count": "Số lượng",
        "requests": "Đề nghị truy cập dữ liệu", "approvals": "Đồng ý chia sẻ", "revocations": "Thu hồi đồng ý",
        "emergency_accesses": "Truy cập khẩn cấp", "transcripts_issued": "Học bạ số được cấp",
        "csv": "Tải CSV", "table": "Bảng số liệu", "chart_of": "Biểu đồ: {name}", "total": "Tổng",
    },
    "en": {
        "brand": "CongDan · Operations centre", "switch": "Tiếng Việt",
        "title": "Online public services: aggregate figures",
        "intro": "For analysts of the province's intelligent operations centre. Aggregate figures only, never a citizen's data.",
        "login": "Sign in with VNeID", "logout": "Sign out", "loading": "Loading the figures…",
        "refused": "This account holds no analyst role at the operations centre, so it cannot see this page.",
        "expired": "Your session expired; please sign in again.", "failed": "The figures could not be loaded; please try again.",
        "from": "From month", "to": "To month", "agency": "Agency", "all_agencies": "All agencies",
        "interval": "Series by", "day": "day", "week": "week", "month": "month", "show": "Show",
        "coverage": "Figures of closed months, up to {date}. Cells under {k} dossiers are hidden and shown as “<{k}”; figures leaving hidden parts out are marked *.",
        "empty": "No month of this period has closed yet.",
        "received": "Dossiers received", "resolved": "Resolved", "on_time_rate": "On time",
        "overdue": "Overdue now", "average_days": "Average processing time", "days_unit": "working days",
        "online": "Fully online", "reused": "Reused digitised data",
        "series": "Dossiers received over time", "by_status": "By status", "by_procedure": "By procedure",
        "by_agency": "By agency", "activity": "Data sharing and digital transcripts",
        "start": "Start", "dossiers": "Dossiers", "status": "Status", "procedure": "Procedure",
        "finished": "Resolved", "overdue_open": "Overdue", "kind": "Activity", "count": "Count",
        "requests": "Data access requests", "approvals": "Consents granted", "revocations": "Consents revoked",
        "emergency_accesses": "Emergency accesses", "transcripts_issued": "Digital transcripts issued",
        "csv": "Download CSV", "table": "Table", "chart_of": "Chart: {name}", "total": "Total",
    },
}  # fmt: skip


@page_blp.route("/ioc")
@page_blp.doc(
    operationId="openOperationsDashboard",
    summary="Open the operations centre's dashboard (web page, Vietnamese or English).",
    responses={
        200: {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
        422: {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"},
    },
)  # fmt: skip
def ioc_page() -> Response:
    """Open the operations centre's dashboard (web page, Vietnamese or English).

    A public page with no data of its own: it signs the analyst in with VNeID
    (PKCE; this page is a registered ``redirect_uri``), acts for the operations
    centre, and draws ``GET /api/v1/stats`` for a chosen period, agency and
    series interval as charts, each with its table and a CSV download. Anyone
    without the analyst role is refused by the API, and the page says so.
    ``?lang=vi|en``, else ``Accept-Language``. Scripts run only with this
    response's nonce; the page connects only to this server.
    """
    lang = i18n.page_language()
    text = _PAGE_TEXT[lang]
    nonce = secrets.token_urlsafe(16)
    html = render_template(
        "ioc.html",
        t=text,
        lang=lang,
        brand=text["brand"],
        # Only the language: a code and state VNeID sent are not carried along.
        switch_url=i18n.switch_query(lang, keep=()),
        switch_label=text["switch"],
        redirect_uri=f"{current_app.config['BASE_URL']}/ioc",
        nonce=nonce,
        wide=True,
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Language"] = lang
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    )
    return response
