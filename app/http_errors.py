"""HTTP errors raised by the framework or the server, as problems too.

Werkzeug raises its ``HTTPException`` subclasses (405, 413, 415, 416 …) inside the
application, where :mod:`app.errors` renders them. Gunicorn refuses some requests
before any application code runs — a request line over its limit (414), too many
or too large header fields (431), a malformed request (400) — and answers them
itself, in HTML. :func:`answer_server_errors_as_problems` makes those answers
problem JSON as well; ``wsgi.py`` calls it, so every gunicorn worker (whatever its
settings) speaks one error format. There is no request to read a language from
there, so they are in the API's default language, Vietnamese.
"""

from __future__ import annotations

import http
import json
from typing import Any, Final

from app import i18n

PROBLEM_TYPE_BASE: Final = "https://congdan.binhduong.gov.vn/problems/"
PROBLEM_MIMETYPE: Final = "application/problem+json"

#: Problem slug for plain HTTP errors that carry no slug of their own.
SLUG_BY_STATUS: Final = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    408: "request-timeout",
    409: "conflict",
    410: "gone",
    411: "length-required",
    412: "precondition-failed",
    413: "payload-too-large",
    414: "uri-too-long",
    415: "unsupported-media-type",
    416: "range-not-satisfiable",
    417: "expectation-failed",
    422: "validation-failed",
    428: "precondition-required",
    429: "rate-limited",
    431: "header-fields-too-large",
    500: "internal-error",
    501: "not-implemented",
    503: "service-unavailable",
}

i18n.add_messages(
    {
        "request-timeout.title": ("Hết thời gian chờ yêu cầu", "Request timeout"),
        "gone.title": ("Không còn tồn tại", "Gone"),
        "length-required.title": ("Thiếu độ dài nội dung", "Length required"),
        "uri-too-long.title": ("Địa chỉ quá dài", "URI too long"),
        "uri-too-long.detail": (
            "Địa chỉ (đường dẫn và tham số) của yêu cầu quá dài.",
            "The request's address (path and query) is too long.",
        ),
        "range-not-satisfiable.title": (
            "Khoảng dữ liệu không đáp ứng được",
            "Range not satisfiable",
        ),
        "expectation-failed.title": ("Không đáp ứng được Expect", "Expectation failed"),
        "header-fields-too-large.title": (
            "Tiêu đề yêu cầu quá lớn",
            "Request header fields too large",
        ),
        "header-fields-too-large.detail": (
            "Yêu cầu có quá nhiều tiêu đề hoặc một tiêu đề quá dài.",
            "The request has too many header fields, or one that is too long.",
        ),
        "not-implemented.title": ("Chưa hỗ trợ", "Not implemented"),
    }
)


def slug_for(status: int) -> str:
    """The problem slug of a plain HTTP status (``http-418`` when none is named)."""
    return SLUG_BY_STATUS.get(status, f"http-{status}")


def server_problem(status: int) -> bytes:
    """The problem body a server answers with when no application code ran."""
    slug = slug_for(status)
    lang = i18n.DEFAULT_LANGUAGE
    title_key, detail_key = f"{slug}.title", f"{slug}.detail"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": i18n.translate(title_key, lang)
        if i18n.has_message(title_key)
        else http.HTTPStatus(status).phrase,
        "status": status,
    }
    if i18n.has_message(detail_key) and "{" not in i18n.MESSAGES[detail_key][0]:
        body["detail"] = i18n.translate(detail_key, lang)
    return json.dumps(body, ensure_ascii=False).encode()


def _write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Gunicorn's ``util.write_error`` with a problem body instead of HTML."""
    from gunicorn import util

    body = server_problem(status_int)
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_MIMETYPE}\r\n"
        f"Content-Language: {i18n.DEFAULT_LANGUAGE}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def answer_server_errors_as_problems() -> None:
    """Make gunicorn's own error answers problem JSON (no-op without gunicorn).

    Gunicorn has no setting for its error page; its workers call
    ``gunicorn.util.write_error`` at the moment of answering, so replacing that
    function covers every worker class.
    """
    try:
        from gunicorn import util
    except ImportError:  # pragma: no cover - gunicorn is a runtime dependency
        return
    util.write_error = _write_problem
