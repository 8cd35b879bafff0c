"""No invisible characters anywhere in a request's path, query string or form, and
no query parameter given twice.

Schemas check the fields they declare (:mod:`app.fields`); this is the floor under
everything else a view may read — a path segment (``/procedures/%00``), a query
parameter read by hand (Open311, the OAuth endpoints), a form field of the VNeID
login page. NUL alone is reason enough: PostgreSQL refuses it in any text, so it
would be a server error rather than an answer. Every query parameter of the API
takes one value (lists are comma-separated, as Open311's): ``?limit=1&limit=2``
would otherwise be read as whichever value the code happens to take. Refused
before any view runs: a path with such a character names nothing (404); a
parameter or field is a 422 naming it.
"""

from __future__ import annotations

from typing import Final

from flask import Flask, request

from app import text
from app.errors import NotFound, ValidationFailed
from app.i18n import add_validation_messages

#: Form fields compared, never stored or shown: whatever they hold is the secret.
_OPAQUE_FIELDS: Final = frozenset({"password"})
#: Query parameters that may repeat (a list field of a route's query schema would
#: be one); none does yet.
MULTI_VALUED_QUERY: Final[frozenset[str]] = frozenset()

REPEATED_PARAMETER_ERROR: Final = "Give this parameter only once."

add_validation_messages({REPEATED_PARAMETER_ERROR: "Tham số này chỉ được gửi một lần."})


def _message(char: str) -> list[str]:
    return [text.INVISIBLE_ERROR.format(char=text.describe(char))]


def _refuse_invisible() -> None:
    if text.invisible_character(request.path) is not None:
        raise NotFound()
    errors: dict[str, list[str]] = {}
    for key, values in request.args.lists():
        found = text.invisible_character(key) or next(
            filter(None, map(text.invisible_character, values)), None
        )
        if found:
            errors[f"query.{key}"] = _message(found)
        elif len(values) > 1 and key not in MULTI_VALUED_QUERY:
            errors[f"query.{key}"] = [REPEATED_PARAMETER_ERROR]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        request.get_data(cache=True)  # keep the raw body (idempotency hashes it)
        for key, value in request.form.items(multi=True):
            if key in _OPAQUE_FIELDS:
                continue
            # Form fields may be text areas: line breaks and tabs are layout.
            found = text.invisible_character(key) or text.invisible_character(
                value, multiline=True
            )
            if found:
                errors[key] = _message(found)
    if errors:
        raise ValidationFailed(errors=errors)


def init_request_text(app: Flask) -> None:
    """Check every request's path, query string and form before its view."""
    app.before_request(_refuse_invisible)
