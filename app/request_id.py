"""Two ids on every request: the server's own, and the caller's for tracing.

``g.request_id`` is generated here for every request and is the only id the server
trusts: access events, consent frequency counting and problem bodies use it, and it
is in every log line. ``g.trace_id`` is a well-formed ``X-Request-ID`` sent by a
proxy or the phone, kept so one id can follow a request across systems: it is
logged and echoed back, never used to decide anything (a caller choosing it must
not be able to make two requests look like one).
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdFilter(logging.Filter):
    """Add ``request_id`` and ``trace_id`` to every log record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        in_request = has_request_context()
        record.request_id = g.get("request_id", "-") if in_request else "-"
        record.trace_id = (g.get("trace_id") or "-") if in_request else "-"
        return True


def server_request_id() -> str:
    """The server's own id of the current request (a fresh one outside requests)."""
    if has_request_context() and "request_id" in g:
        return str(g.request_id)
    return uuid.uuid4().hex


_OUTER = "congdan.outer_request_ids"


def _assign_request_id() -> None:
    # A request made in-process during another (the embedded VNeID provider in
    # development) shares its application context, so ``g``: keep the outer
    # request's ids to give them back when this one ends.
    if "request_id" in g:
        request.environ[_OUTER] = (g.request_id, g.get("trace_id"))
    g.request_id = uuid.uuid4().hex
    incoming = request.headers.get(HEADER, "")
    g.trace_id = incoming if _ACCEPTABLE.match(incoming) else None


def _restore_outer_ids(_: BaseException | None) -> None:
    outer = request.environ.get(_OUTER)
    if outer is not None:
        g.request_id, g.trace_id = outer


def _echo_request_id(response: Response) -> Response:
    if "request_id" in g:
        response.headers[HEADER] = g.get("trace_id") or g.request_id
    return response


def init_request_id(app: Flask) -> None:
    """Register the hooks (``app.logs`` puts the ids on every log line)."""
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
    app.teardown_request(_restore_outer_ids)
