"""JSON from outside, parsed within bounds: nesting depth and the size of a number.

Python's parser recurses once per level (a body nested a thousand deep raises
``RecursionError``) and turns a 5 000-digit integer into ``ValueError`` (the
interpreter's digit limit) — both would be server errors. Every JSON body is
parsed here once, before any view runs (``init_json_body``), with both bounded;
the result is cached on the request for webargs and ``request.get_json()``.
:func:`loads` is also for JSON inside other input (a credential's JWT parts).
"""

from __future__ import annotations

import json
import math
from functools import partial
from typing import Any, Final

from flask import Flask, Request, current_app, request
from flask.json.provider import DefaultJSONProvider

from app.errors import MalformedJson, Problem
from app.i18n import add_messages

#: Defaults of ``JSON_MAX_DEPTH`` and ``JSON_MAX_INTEGER_DIGITS``.
MAX_DEPTH: Final = 32
MAX_DIGITS: Final = 40


add_messages(
    {
        "json-too-deep.title": ("JSON lồng quá sâu", "JSON nested too deeply"),
        "json-too-deep.detail": (
            "Nội dung yêu cầu lồng mảng hoặc đối tượng quá {depth} cấp.",
            "The request body nests arrays or objects more than {depth} levels deep.",
        ),
        "json-number-too-large.title": ("Số quá lớn", "Number too large"),
        "json-number-too-large.detail": (
            "Nội dung yêu cầu có một số nguyên dài quá {digits} chữ số, một số vượt "
            "giới hạn số thực, hoặc NaN/Infinity.",
            "The request body holds an integer of more than {digits} digits, a number "
            "beyond a float's range, or NaN/Infinity.",
        ),
    }
)


class JsonTooDeepProblem(Problem):
    code, slug = 400, "json-too-deep"


class JsonNumberProblem(Problem):
    code, slug = 400, "json-number-too-large"


class JsonLimitError(ValueError):
    """The document is well-formed but beyond what the API parses."""

    problem: type[Problem] = MalformedJson


class JsonTooDeepError(JsonLimitError):
    problem = JsonTooDeepProblem


class JsonNumberError(JsonLimitError):
    problem = JsonNumberProblem


def _refuse_constant(literal: str) -> Any:
    # NaN and Infinity are Python's extensions, not JSON (RFC 8259 §6).
    raise JsonNumberError(literal)


def _integer(max_digits: int, literal: str) -> int:
    # Counted before int() spends time on it; int() refuses over 4300 digits itself.
    try:
        if len(literal) - literal.startswith("-") <= max_digits:
            return int(literal)
    except ValueError:
        pass
    raise JsonNumberError(max_digits)


def check(value: Any, *, max_depth: int, max_digits: int) -> None:
    """Raise if ``value`` nests deeper than ``max_depth`` or holds an integer of more
    than ``max_digits`` digits or a non-finite float; iterative, no recursion."""
    limit = 10**max_digits
    todo = [(value, 0)]  # each node with the number of containers around it
    while todo:
        node, level = todo.pop()
        kind = type(node)  # exact types: json.loads makes no subclasses
        if kind is dict:
            items: Any = node.values()
        elif kind is list:
            items = node
        elif kind is float:
            if not math.isfinite(node):  # 1e400 parses as inf
                raise JsonNumberError(max_digits)
            continue
        elif kind is int:
            if not -limit < node < limit:
                raise JsonNumberError(max_digits)
            continue
        else:
            continue
        if level >= max_depth:
            raise JsonTooDeepError(max_depth)
        todo.extend([(item, level + 1) for item in items])


def loads(
    document: str | bytes,
    *,
    max_depth: int = MAX_DEPTH,
    max_digits: int = MAX_DIGITS,
) -> Any:
    """Parse ``document``; raise ``ValueError`` if it is not JSON or exceeds a bound.

    :raise ValueError: not JSON (``json.JSONDecodeError``), or bytes that are not
        UTF-8 (``UnicodeDecodeError``): malformed, whatever they hold.
    :raise JsonTooDeepError: arrays and objects nest deeper than ``max_depth``.
    :raise JsonNumberError: an integer has more than ``max_digits`` digits, a
        number overflows a float, or is ``NaN``/``Infinity``.
    """
    try:
        value = json.loads(
            document,
            parse_constant=_refuse_constant,
            parse_int=partial(_integer, max_digits),
        )
    except RecursionError:
        raise JsonTooDeepError(max_depth) from None
    # Anything else is malformed: not JSON, or not UTF-8 (UnicodeDecodeError).
    check(value, max_depth=max_depth, max_digits=max_digits)
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, parsing within the application's bounds; UTF-8 out."""

    ensure_ascii = False  # Vietnamese as UTF-8

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        config = self._app.config
        return loads(
            s,
            max_depth=config.get("JSON_MAX_DEPTH", MAX_DEPTH),
            max_digits=config.get("JSON_MAX_INTEGER_DIGITS", MAX_DIGITS),
        )


class ApiRequest(Request):
    """A request whose JSON body, if unparseable, is a problem and not a 500."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        problem = e.problem if isinstance(e, JsonLimitError) else MalformedJson
        raise problem(
            depth=current_app.config["JSON_MAX_DEPTH"],
            digits=current_app.config["JSON_MAX_INTEGER_DIGITS"],
        )


def _parse_json_body() -> None:
    """Parse any JSON body before the view (bounded); the result is cached."""
    if request.is_json and request.get_data(cache=True):
        request.get_json()


def init_json_body(app: Flask) -> None:
    """Bound every JSON body the application parses, and parse it at the edge."""
    app.json = BoundedJSONProvider(app)
    app.request_class = ApiRequest
    app.config.setdefault("JSON_MAX_DEPTH", MAX_DEPTH)
    app.config.setdefault("JSON_MAX_INTEGER_DIGITS", MAX_DIGITS)
    app.before_request(_parse_json_body)
