"""The one check that an answer is an RFC 9457 problem of this API.

:func:`assert_problem` checks, and returns the body of, an error answer:

* the HTTP status, and the same number in the body's ``status``;
* the media type, ``application/problem+json``;
* the ``type``: the published URI ``PROBLEM_TYPE_BASE + slug``. It never changes
  once published (clients switch on it), so a test names the slug it expects;
* a ``title``, and the ``instance``: the path that was asked for;
* the request id: the body's ``request_id`` is the server's own; ``X-Request-ID``
  carries it too, unless the caller sent one of its own, which is echoed instead.

It reads the test client's responses and a live server's (httpx) alike. Use it for
every error answer of the API; the OAuth endpoints of ``/vneid`` answer in RFC 6749's
shape instead, and gunicorn's own refusals come before any request id exists.
"""

from __future__ import annotations

from typing import Any

from app.errors import PROBLEM_MIMETYPE
from app.request_id import HEADER as REQUEST_ID_HEADER

#: The problem types of the demo's deployment (deployments/binh-duong/province.json).
PROBLEM_TYPE_BASE = "https://congdan.binhduong.gov.vn/problems/"


def _is_test_client_response(response: Any) -> bool:
    return hasattr(response, "get_data")  # a live server's (httpx) has none


def _read(response: Any) -> tuple[str, dict[str, Any], str, str | None]:
    """Media type, body, path asked for and the caller's request id."""
    if _is_test_client_response(response):
        return (
            response.mimetype,
            response.get_json(force=True),
            response.request.path,
            response.request.headers.get(REQUEST_ID_HEADER),
        )
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    return (
        media_type,
        response.json(),
        response.request.url.path,
        response.request.headers.get(REQUEST_ID_HEADER),
    )


def assert_problem(response: Any, status: int, slug: str | None) -> dict[str, Any]:
    """Check that ``response`` is the API's problem ``slug`` with ``status``; return
    its body.

    ``slug=None`` accepts any of the API's problem types: for sweeps and fuzzers
    that cannot know which refusal a call meets (they still name the status).
    """
    text = (
        response.get_data(as_text=True)
        if _is_test_client_response(response)
        else response.text
    )
    assert response.status_code == status, text[:1000]
    media_type, body, path, traced = _read(response)
    assert media_type == PROBLEM_MIMETYPE, (media_type, body)
    if slug is None:
        assert body["type"].startswith(PROBLEM_TYPE_BASE), body
    else:
        assert body["type"] == PROBLEM_TYPE_BASE + slug, body
    assert body["status"] == status
    assert body["title"]
    assert body["instance"] == path
    # The caller's own X-Request-ID is echoed for tracing; the body names the server's.
    assert response.headers[REQUEST_ID_HEADER] == (traced or body["request_id"])
    assert body["request_id"] != traced
    return body


def assert_georeport_errors(response: Any, status: int) -> dict[str, list[str]]:
    """Check that ``response`` is Open311 GeoReport's error list with ``status``
    (the facade's errors are not problems); return its messages by field.

    Each error is ``{"code": status, "description": "field: message"}`` (or a
    description alone, kept under ``""``).
    """
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    assert response.mimetype == "application/json", response.mimetype
    errors = response.get_json()
    assert errors, errors
    by_field: dict[str, list[str]] = {}
    for error in errors:
        assert set(error) == {"code", "description"}, error
        assert error["code"] == status, error
        field, _, message = error["description"].rpartition(": ")
        by_field.setdefault(field, []).append(message)
    return by_field


#: Paths whose errors are the wallet standards' (OAuth 2.0 / OpenID4VCI / VP).
PROTOCOL_PREFIXES = ("/oid4vci/", "/oid4vp/")


def assert_protocol_error(
    response: Any, status: int, error: str | None
) -> dict[str, Any]:
    """Check that ``response`` is a wallet protocol's error (``application/json``
    with ``error`` and an ASCII ``error_description``), the RFC 9457 members kept
    beside them; return its body. ``error=None`` accepts any code."""
    text = (
        response.get_data(as_text=True)
        if _is_test_client_response(response)
        else response.text
    )
    assert response.status_code == status, text[:1000]
    media_type, body, path, _ = _read(response)
    assert media_type == "application/json", (media_type, body)
    assert response.headers["Cache-Control"] == "no-store"
    assert body["error"] == error if error is not None else body["error"], body
    assert body["error_description"].isascii()
    assert body["type"].startswith(PROBLEM_TYPE_BASE)
    assert body["status"] == status
    assert body["instance"] == path
    return body
