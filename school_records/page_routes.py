"""The public transcript verifier's web page (Vietnamese or English) and the JSON-LD
context its credentials name. The page calls ``POST /api/v1/transcripts/verify``."""

from __future__ import annotations

import secrets

from flask import Response, current_app, jsonify, render_template, request

from app import i18n
from app.blueprint import Blueprint

page_blp = Blueprint(
    "verify_page",
    __name__,
    template_folder="templates",
    description="The public transcript verifier page.",
)

_PAGE_TEXT = {
    "vi": {
        "brand": "CongDan", "title": "Xác thực học bạ số", "paste_heading": "Kiểm tra một học bạ số",
        "check_another": "Kiểm tra học bạ khác",
        "intro": "Dán học bạ số (JWT) hoặc tải tệp lên để kiểm tra chữ ký, trạng thái, nơi cấp và điểm số.",
        "paste": "Học bạ số (JWT)", "upload": "hoặc chọn tệp", "verify": "Xác thực", "checking": "Đang kiểm tra…",
        "valid": "✔ Học bạ hợp lệ", "invalid": "✘ Học bạ không hợp lệ",
        "valid_detail": "Học bạ do nhà trường ký, còn hiệu lực, và điểm số khớp với kết quả.",
        "replaced": "Nhà trường đã thay học bạ này bằng một bản đính chính.", "see_current": "Xem học bạ hiện hành",
        "checks": "Các bước kiểm tra", "passed": "Đạt", "failed": "Không đạt", "skipped": "Chưa kiểm tra",
        "technical": "Mã kỹ thuật (cho nhà phát triển)", "switch": "English",
        "signed": "Nội dung nhà trường đã ký", "compare": "Hãy so sánh từng điểm trên bản giấy với bảng này; bất kỳ khác biệt nào nghĩa là bản giấy đã bị sửa.",
        "not_in_force": "Học bạ này không còn hiệu lực.", "subject": "Môn học", "s1": "Học kỳ I", "s2": "Học kỳ II", "s1_short": "HK I", "s2_short": "HK II", "year": "Cả năm",
        "conduct": "Rèn luyện", "learning": "Học tập", "absences": "Nghỉ học (có phép / không phép)", "promotion": "Xét lên lớp", "award": "Danh hiệu",
        "homeroom_teacher": "Giáo viên chủ nhiệm", "principal": "Hiệu trưởng", "issued": "Ngày cấp", "pupil": "Học sinh", "school": "Trường",
        "class": "Lớp", "grade": "Khối", "school_year": "Năm học", "regular": "TX", "midterm": "GK", "final": "CK",
    },
    "en": {
        "brand": "CongDan", "title": "Verify a digital transcript", "paste_heading": "Check a digital transcript",
        "check_another": "Check another transcript",
        "intro": "Paste a digital transcript (JWT) or upload its file to check its signatures, status, issuer and grades.",
        "paste": "Digital transcript (JWT)", "upload": "or choose a file", "verify": "Verify", "checking": "Checking…",
        "valid": "✔ Valid transcript", "invalid": "✘ Not a valid transcript",
        "valid_detail": "Signed by the school, in force, and its grades add up to its results.",
        "replaced": "The school replaced this transcript with a correction.", "see_current": "See the transcript in force",
        "checks": "Checks", "passed": "Passed", "failed": "Failed", "skipped": "Not checked",
        "technical": "Technical codes (for developers)", "switch": "Tiếng Việt",
        "signed": "What the school signed", "compare": "Compare every grade on the paper with this table; any difference means the paper was altered.",
        "not_in_force": "This transcript is no longer in force.", "subject": "Subject", "s1": "Semester I", "s2": "Semester II", "s1_short": "Sem. I", "s2_short": "Sem. II", "year": "Year",
        "conduct": "Conduct", "learning": "Learning result", "absences": "Days absent (excused / unexcused)", "promotion": "Promotion", "award": "Award",
        "homeroom_teacher": "Homeroom teacher", "principal": "Principal", "issued": "Issued", "pupil": "Pupil", "school": "School",
        "class": "Class", "grade": "Grade", "school_year": "School year", "regular": "regular", "midterm": "mid-term", "final": "final",
    },
}  # fmt: skip


@page_blp.route("/verify")
@page_blp.doc(
    summary="Open the transcript verifier (web page, Vietnamese or English).",
    responses={
        200: {
            "description": "HTML page",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        422: {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"},
    },
)
def verify_page() -> Response:
    """Open the transcript verifier (web page, Vietnamese or English).

    Public, no token. In ``?lang=vi`` or ``?lang=en``, else the language
    ``Accept-Language`` asks for. The page sends a pasted or uploaded credential to
    ``POST /api/v1/transcripts/verify`` and shows the checks and what the school
    signed; opened from a PDF's QR code (``?t=`` transcript id, ``&d=`` digest) it
    verifies that transcript at once. Served with ``Content-Language`` and a strict
    ``Content-Security-Policy`` (scripts only with this response's nonce).
    """
    lang = i18n.page_language()
    nonce = secrets.token_urlsafe(16)
    html = render_template(
        "verify.html",
        t=_PAGE_TEXT[lang],
        lang=lang,
        brand=_PAGE_TEXT[lang]["brand"],
        # The switch keeps what the page was opened with (a QR code's t and d).
        switch_url=i18n.switch_query(lang),
        switch_label=_PAGE_TEXT[lang]["switch"],
        from_qr=bool(request.args.get("t") and request.args.get("d")),
        nonce=nonce,
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    response.headers["Content-Language"] = lang
    return response


@page_blp.route("/contexts/hocba/v1")
@page_blp.doc(
    summary="Read the JSON-LD context of HocBaSoCredential.",
    responses={
        200: {
            "description": "JSON-LD",
            "content": {"application/ld+json": {"schema": {"type": "object"}}},
        }
    },
)
def hocba_context() -> Response:
    """Read the JSON-LD context of HocBaSoCredential.

    Public, no token; the same document for every caller. A protected JSON-LD 1.1
    context that maps ``HocBaSoCredential``, ``HocBaSo`` and every other term of a
    transcript credential to this URL plus ``#``, with ``homeroomProof`` and
    ``principalSignature`` as ``@json`` values. The credentials this service issues
    name it in their ``@context``.
    """
    vocab = f"{current_app.config['BASE_URL']}/contexts/hocba/v1#"
    response = jsonify(
        {
            "@context": {
                "@version": 1.1,
                "@protected": True,
                "HocBaSoCredential": f"{vocab}HocBaSoCredential",
                "HocBaSo": f"{vocab}HocBaSo",
                "homeroomProof": {"@id": f"{vocab}homeroomProof", "@type": "@json"},
                "principalSignature": {
                    "@id": f"{vocab}principalSignature",
                    "@type": "@json",
                },
                "@vocab": vocab,
            }
        }
    )
    response.mimetype = "application/ld+json"
    return response
