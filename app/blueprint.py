"""The flask-smorest ``Blueprint`` every domain uses: its arguments parse strictly.

* Query strings refuse unknown parameters (422 "Unknown field."), as JSON bodies
  do: a misspelt filter (``?stauts=1``) would otherwise be ignored silently and
  the caller would get every row.
* JSON bodies come from the bounded parse of :mod:`app.json_body`.
* A multipart body (uploads) holds only the parts its schema declares.
* An answer is dumped from the session's flushed state: a row the view just added
  has its defaults (a history line's time, say) before it is serialised, whether
  or not a query in between happened to autoflush.
* A JSON body the OpenAPI document declares required (flask-smorest's default,
  ``required=True``) must be there: webargs would otherwise load a missing body as
  ``{}``, and an all-optional schema would let an empty POST act. A body that is
  not JSON at all is 415.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any, Final

import flask_smorest
from flask import request
from marshmallow import RAISE
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from app.errors import Problem, ValidationFailed
from app.extensions import db
from app.i18n import add_validation_messages

BODY_REQUIRED_ERROR: Final = "A request body is required."

add_validation_messages({BODY_REQUIRED_ERROR: "Yêu cầu phải có nội dung."})


class UnsupportedMediaType(Problem):
    code, slug = 415, "unsupported-media-type"


class ApiParser(FlaskParser):
    """webargs' Flask parser with strict query strings and the bounded JSON parse."""

    DEFAULT_UNKNOWN_BY_LOCATION = {  # noqa: RUF012 - webargs reads the class attribute
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
    }

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req) or not req.get_data(cache=True):
            return core.missing
        return req.get_json()  # parsed and cached at the edge (app.json_body)


def _check_json_body(required: bool) -> None:
    if not request.get_data(cache=True):
        if required:
            raise ValidationFailed(errors={"_schema": [BODY_REQUIRED_ERROR]})
    elif not request.is_json:
        raise UnsupportedMediaType()


def _declared_fields(schema: Any) -> frozenset[str]:
    instance = schema() if isinstance(schema, type) else schema
    return frozenset(field.data_key or name for name, field in instance.fields.items())


def _check_multipart(declared: frozenset[str]) -> None:
    """A multipart body holds only the parts its schema declares (files or fields)."""
    unknown = (set(request.files) | set(request.form)) - declared
    if unknown:
        raise ValidationFailed(errors={name: ["Unknown field."] for name in unknown})


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """A flask-smorest blueprint whose arguments are parsed by :class:`ApiParser`."""

    ARGUMENTS_PARSER = ApiParser()

    def arguments(
        self,
        schema: Any,
        *,
        location: str = "json",
        required: bool = True,
        **kwargs: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Parse ``schema`` from ``location``; a JSON body must be JSON, and present
        when ``required`` (as the OpenAPI document then says)."""
        parse = super().arguments(
            schema, location=location, required=required, **kwargs
        )
        if location == "json":
            check: Callable[[], None] = partial(_check_json_body, required)
        elif location == "files":
            check = partial(_check_multipart, _declared_fields(schema))
        else:
            return parse  # type: ignore[no-any-return]

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            parsed = parse(view)

            @wraps(parsed)
            def checked(*args: Any, **view_kwargs: Any) -> Any:
                check()
                return parsed(*args, **view_kwargs)

            return checked

        return decorator

    def response(
        self, status_code: int, schema: Any = None, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Document and dump the view's answer, once the session is flushed."""
        dump = super().response(status_code, schema, **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(view)
            def flushed(*args: Any, **view_kwargs: Any) -> Any:
                answer = view(*args, **view_kwargs)
                db.session.flush()
                return answer

            return dump(flushed)  # type: ignore[no-any-return]

        return decorator
