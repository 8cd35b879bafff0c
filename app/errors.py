"""RFC 9457 problem details: one shape for every error the API returns.

Every error leaves as ``application/problem+json`` with a stable ``type`` URI, a
localised ``title`` and ``detail``, the ``status``, the ``instance`` path, the
``request_id`` (also in ``X-Request-ID``) and, for validation errors, ``errors``:
a mapping of field path to messages. The OAuth protocol endpoints of ``/vneid`` keep
the RFC 6749 body instead.
"""

from __future__ import annotations

import http
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import marshmallow as ma
from flask import Flask, Response, current_app, g, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow.exceptions import SCHEMA
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Response as BaseResponse

from app import api_contract, api_examples, i18n
from app.http_errors import PROBLEM_MIMETYPE as PROBLEM_MIMETYPE
from app.http_errors import problem_type_base, slug_for

log = logging.getLogger(__name__)


class Problem(HTTPException):
    """An error the client can act on, rendered as an RFC 9457 problem.

    Subclasses set ``code`` (the HTTP status) and ``slug`` (the last segment of the
    ``type`` URI, which never changes once published); ``MESSAGES`` in
    :mod:`app.i18n` holds ``<slug>.title`` and usually ``<slug>.detail``.

    :param detail_key: a catalog key for the detail, when not ``<slug>.detail``.
    :param errors: field path -> list of English messages (translated on render).
    :param headers: extra response headers, e.g. ``Retry-After``.
    :param extra: extension members added to the body.
    :param params: values for the detail's placeholders.
    """

    code = 400
    slug = "bad-request"
    #: A refusal that is the request's outcome: what the request did before it
    #: (a guess counted by the throttle and its audit record) commits with the
    #: answer instead of rolling back. Only for refusals raised before any other
    #: write; an ``Idempotency-Key`` then replays the refusal.
    commits_work: ClassVar[bool] = False

    def __init__(
        self,
        *,
        detail_key: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(description=detail_key or f"{self.slug}.detail")
        self.detail_key = detail_key or f"{self.slug}.detail"
        self.errors = dict(errors) if errors else None
        self.extra_headers = dict(headers or {})
        self.extra = dict(extra or {})
        self.params = params


class BadRequest(Problem):
    code, slug = 400, "bad-request"


class MalformedJson(Problem):
    code, slug = 400, "malformed-json"


class MalformedBody(Problem):
    """The body's framing is broken (chunk sizes, trailers) or it ended early."""

    code, slug = 400, "malformed-body"


class Unauthorized(Problem):
    code, slug = 401, "unauthorized"


class Forbidden(Problem):
    code, slug = 403, "forbidden"


class NotFound(Problem):
    code, slug = 404, "not-found"


class Conflict(Problem):
    code, slug = 409, "conflict"


class PreconditionFailed(Problem):
    code, slug = 412, "precondition-failed"


class PreconditionRequired(Problem):
    code, slug = 428, "precondition-required"


class ValidationFailed(Problem):
    code, slug = 422, "validation-failed"


class ServiceUnavailable(Problem):
    code, slug = 503, "service-unavailable"


class DatabaseUnavailable(Problem):
    code, slug = 503, "database-unavailable"


def problem_response(
    status: int,
    slug: str,
    *,
    detail: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """Render a problem body in the request's language."""
    title_key = f"{slug}.title"
    title = (
        i18n.translate(title_key)
        if i18n.has_message(title_key)
        else http.HTTPStatus(status).phrase
    )
    body: dict[str, Any] = {
        "type": problem_type_base() + slug,
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = {
            field: [i18n.translate_validation(message) for message in messages]
            for field, messages in errors.items()
        }
    # Extension members never replace the RFC 9457 ones.
    body.update({key: value for key, value in (extra or {}).items() if key not in body})
    dialect = _dialect_for(request.path)
    if dialect is not None:
        response = dialect(status, body)
    else:
        response = Response(
            json.dumps(body, ensure_ascii=False),
            status=status,
            mimetype=PROBLEM_MIMETYPE,
        )
    response.headers["Content-Language"] = i18n.current_language()
    response.vary.add("Accept-Language")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


#: Renders a problem (its RFC 9457 body, already localised) in another shape.
ProblemDialect = Callable[[int, dict[str, Any]], Response]


def add_problem_dialect(app: Flask, where: str, render: ProblemDialect) -> None:
    """Answer errors at ``where`` with ``render`` instead of RFC 9457.

    For a facade whose standard defines its own error body (Open311's list of
    codes and descriptions): every error of the application there, raised anywhere
    (routing, validation, authorization), takes that shape. ``where`` ending in
    ``/`` is every path below it; otherwise it is that one path (a neighbour such
    as ``…-logoutX`` keeps RFC 9457).
    """
    app.extensions.setdefault("problem_dialects", {})[where] = render


def _dialect_for(path: str) -> ProblemDialect | None:
    dialects: dict[str, ProblemDialect] = current_app.extensions.get(
        "problem_dialects", {}
    )
    return next(
        (
            render
            for where, render in dialects.items()
            if path == where or (where.endswith("/") and path.startswith(where))
        ),
        None,
    )


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested error dict into ``{"a.b.0.c": [messages]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = "" if key == SCHEMA else str(key)
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for field, found in flatten_messages(value, path).items():
                flat.setdefault(field, []).extend(found)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or SCHEMA] = list(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(flatten_messages(value, f"{prefix}.{index}"))
    else:
        flat[prefix or SCHEMA] = [str(messages)]
    return flat


def _webargs_errors(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field errors of a webargs 422, keyed by path; non-body locations prefixed."""
    errors: dict[str, list[str]] = {}
    for location, messages in (data.get("messages") or {}).items():
        prefix = "" if location in ("json", "form", "files") else location
        for field, found in flatten_messages(messages, prefix).items():
            errors.setdefault(field, []).extend(found)
    return errors


def render_http_exception(error: HTTPException) -> BaseResponse:
    """Turn any ``HTTPException`` into a problem response (304 stays bodiless)."""
    status = error.code or 500
    if status < 400:
        return error.get_response()
    if isinstance(error, Problem):
        return problem_response(
            status,
            error.slug,
            detail=i18n.translate(error.detail_key, **error.params)
            if i18n.has_message(error.detail_key)
            else None,
            errors=error.errors,
            headers=error.extra_headers,
            extra=error.extra,
        )
    slug = slug_for(status)
    data: Mapping[str, Any] = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    errors = None
    params: dict[str, Any] = {}
    if status == 400 and isinstance(
        getattr(error, "exc", None), json.JSONDecodeError | UnicodeDecodeError
    ):
        slug = "malformed-json"
    elif status == 422:
        errors = _webargs_errors(data)
    elif isinstance(error, MethodNotAllowed):
        params["method"] = request.method
        if error.valid_methods:
            headers["Allow"] = ", ".join(sorted(error.valid_methods))
    elif status == 413:
        params["limit"] = current_app.config.get("MAX_CONTENT_LENGTH")
    detail_key = f"{slug}.detail"
    return problem_response(
        status,
        slug,
        detail=i18n.translate(detail_key, **params)
        if i18n.has_message(detail_key)
        else None,
        errors=errors,
        headers=headers,
    )


def _handle_integrity_error(error: IntegrityError) -> BaseResponse:
    log.warning("integrity error: %s", error.orig.__class__.__name__)
    return render_http_exception(Conflict())


def _handle_database_unreachable(error: DBAPIError) -> BaseResponse:
    log.error("database unavailable: %s: %s", error.orig.__class__.__name__, error.orig)
    return render_http_exception(DatabaseUnavailable(headers={"Retry-After": "5"}))


def _handle_unexpected(error: Exception) -> BaseResponse:
    """Log an unexpected exception with the request id; reveal nothing internal."""
    if isinstance(error, HTTPException):  # pragma: no cover - more specific handler
        return render_http_exception(error)
    # The route's template, never the path: paths hold share codes and ids.
    route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    log.error(
        "unhandled exception in %s %s",
        request.method,
        route,
        exc_info=error,
    )
    return problem_response(
        500,
        "internal-error",
        detail=i18n.translate(
            "internal-error.detail", request_id=g.get("request_id", "-")
        ),
    )


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem (documentation only; bodies are built by hand).

    Problems may carry extension members (``reason``, ``current_status``…).
    """

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(metadata={"description": "Stable URI of the error kind"})
    title = ma.fields.String(metadata={"description": "Short localised summary"})
    status = ma.fields.Integer(metadata={"description": "HTTP status code"})
    detail = ma.fields.String(metadata={"description": "Localised explanation"})
    instance = ma.fields.String(metadata={"description": "Path of the request"})
    request_id = ma.fields.String(
        metadata={
            "description": "The server's id of this request, as in its logs "
            "(X-Request-ID echoes the caller's own id when one was sent)"
        }
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Field path -> localised messages"},
    )


class ProblemApi(Api):  # type: ignore[misc]
    """flask-smorest ``Api`` that speaks ``application/problem+json``."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        app: Flask = self._app
        app.register_error_handler(HTTPException, self.handle_http_exception)
        app.register_error_handler(IntegrityError, _handle_integrity_error)
        app.register_error_handler(OperationalError, _handle_database_unreachable)
        app.register_error_handler(Exception, _handle_unexpected)

    def handle_http_exception(self, error: HTTPException) -> BaseResponse:
        """Render ``error`` as a problem (the flask-smorest override point)."""
        return render_http_exception(error)

    def _register_responses(self) -> None:
        """Document every error response as ``application/problem+json``, with
        the headers it carries (``api_contract``)."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = PROBLEM_MIMETYPE
                response["headers"] = api_contract.header_refs(
                    "X-Request-ID",
                    "Content-Language",
                    *api_contract.ERROR_HEADERS.get(status.name, ()),
                )
                example = api_examples.problem(status)
                if example is not None:
                    response["example"] = example
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {
            "description": "Error",
            "schema": self.ERROR_SCHEMA,
            "headers": api_contract.header_refs("X-Request-ID", "Content-Language"),
        }
        example = api_examples.problem(http.HTTPStatus.NOT_FOUND)
        if example is not None:
            response["example"] = example
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)
