"""HTTP errors raised by the framework or the server, as problems too.

Werkzeug raises its ``HTTPException`` subclasses (405, 413, 415, 416 …) inside the
application, where :mod:`app.errors` renders them. Gunicorn refuses some requests
before any application code runs — a request line over its limit (414), too many
or too large header fields (431), a malformed request (400) — and answers them
itself, in HTML. :func:`answer_server_errors_as_problems` makes those answers
problem JSON as well; ``create_app`` calls it, so every gunicorn worker (whatever
its settings) speaks one error format. There is no request to read a language from
there, so they are in the API's default language, Vietnamese.
"""

from __future__ import annotations

import http
import json
from typing import Any, Final

from flask import current_app, has_app_context

from app import i18n, security_headers

PROBLEM_MIMETYPE: Final = "application/problem+json"
#: The base of problem types written with no application at hand (gunicorn's own
#: answers); :func:`answer_server_errors_as_problems` sets the deployment's.
_server = {"type_base": "about:blank#"}

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


#: The headers every response carries (``app.security_headers``).
_SECURITY: Final = {
    **security_headers.ALWAYS,
    "Content-Security-Policy": security_headers.API_POLICY,
}


def slug_for(status: int) -> str:
    """The problem slug of a plain HTTP status (``http-418`` when none is named)."""
    return SLUG_BY_STATUS.get(status, f"http-{status}")


def problem_type_base() -> str:
    """The deployment's base URI of problem types (``PROBLEM_TYPE_BASE``)."""
    if has_app_context():
        return str(current_app.config["PROBLEM_TYPE_BASE"])
    return _server["type_base"]


def server_problem(
    status: int, slug: str | None = None, lang: str = i18n.DEFAULT_LANGUAGE
) -> bytes:
    """The problem body a server answers with when no application code ran."""
    slug = slug or slug_for(status)
    title_key, detail_key = f"{slug}.title", f"{slug}.detail"
    body: dict[str, Any] = {
        "type": problem_type_base() + slug,
        "title": i18n.translate(title_key, lang)
        if i18n.has_message(title_key)
        else http.HTTPStatus(status).phrase,
        "status": status,
    }
    if i18n.has_message(detail_key) and "{" not in i18n.MESSAGES[detail_key][0]:
        body["detail"] = i18n.translate(detail_key, lang)
    return json.dumps(body, ensure_ascii=False).encode()


def server_answer(
    status: int,
    slug: str | None = None,
    lang: str = i18n.DEFAULT_LANGUAGE,
    reason: str | None = None,
) -> bytes:
    """A whole HTTP/1.1 answer with a problem body, after which the server closes."""
    body = server_problem(status, slug, lang)
    head = (
        f"HTTP/1.1 {status} {reason or http.HTTPStatus(status).phrase}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_MIMETYPE}\r\n"
        f"Content-Language: {lang}\r\n"
        f"Content-Length: {len(body)}\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in _SECURITY.items())
        + "\r\n"
    )
    return head.encode("latin-1") + body


def _write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Gunicorn's ``util.write_error`` with a problem body instead of HTML."""
    from gunicorn import util

    util.write_nonblock(sock, server_answer(status_int, reason=reason))


def answer_server_errors_as_problems(type_base: str) -> None:
    """Make gunicorn's own error answers problem JSON, typed under ``type_base``.

    Gunicorn has no setting for its error page; its workers call
    ``gunicorn.util.write_error`` at the moment of answering, so replacing that
    function covers every worker class (a no-op without gunicorn).
    """
    _server["type_base"] = type_base
    try:
        from gunicorn import util
    except ImportError:  # pragma: no cover - gunicorn is a runtime dependency
        return
    util.write_error = _write_problem
