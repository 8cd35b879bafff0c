"""A request id on every request: in ``g``, in every log line, in ``X-Request-ID``.

A well-formed id sent by a proxy or the phone is kept, so one id follows a request
across systems; anything else is replaced.
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdFilter(logging.Filter):
    """Add ``request_id`` to every log record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def _assign_request_id() -> None:
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if _ACCEPTABLE.match(incoming) else uuid.uuid4().hex


def _echo_request_id(response: Response) -> Response:
    if "request_id" in g:
        response.headers[HEADER] = g.request_id
    return response


def init_request_id(app: Flask) -> None:
    """Register the hooks and attach the log filter to the app's handlers."""
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
        )
    )
    handler.addFilter(RequestIdFilter())
    app.logger.handlers = [handler]
    for name in (
        "app",
        "identity",
        "consent",
        "health_book",
        "school_records",
        "service_requests",
    ):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.StreamHandler) for h in logger.handlers):
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)
