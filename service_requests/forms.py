"""A dossier's form, checked against its procedure's Open311 attributes.

Pure: no database. Every problem is reported at once, keyed ``form.<code>``, in
marshmallow's English wording so the error layer translates it.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any, Final

from app import date_fields, text
from app.fields import MAX_INTEGER, RANGE_ERROR

STRING_MAX: Final = 300
TEXT_MAX: Final = 4000
DATATYPES: Final = (
    "string",
    "number",
    "datetime",
    "text",
    "singlevaluelist",
    "multivaluelist",
)


NUMBER_ERROR: Final = RANGE_ERROR.format(min=-MAX_INTEGER, max=MAX_INTEGER)


def _number(value: Any) -> int | float:
    """The number ``value`` states; ``ValueError`` if none, ``OverflowError`` if
    beyond ±(2^53 - 1) (a 400-digit capital is nobody's)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError
    if isinstance(value, str) and len(value) > 40:
        raise ValueError
    number = float(value) if isinstance(value, str) else value
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError
    if not -MAX_INTEGER <= number <= MAX_INTEGER:
        raise OverflowError
    return int(number) if float(number).is_integer() else number


def _datetime(value: Any, *, past: bool) -> str:
    """A day or an aware instant, in bounds (``past``: not after today)."""
    if not isinstance(value, str):
        raise ValueError
    try:
        day = date.fromisoformat(value)
    except ValueError:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError from None
        date_fields.check_moment(parsed)
        date_fields.check_day(parsed.date(), past=past)
        return parsed.isoformat()
    date_fields.check_day(day, past=past)
    return day.isoformat()


def _one(field: dict[str, Any], value: Any) -> tuple[Any, str | None]:
    """The clean value of one field, or the message that refuses it."""
    datatype = field["datatype"]
    keys = [choice["key"] for choice in field.get("values", [])]
    if datatype in ("string", "text"):
        if not isinstance(value, str):
            return None, "Not a valid string."
        limit = STRING_MAX if datatype == "string" else TEXT_MAX
        if len(value) > limit:
            return None, f"Longer than maximum length {limit}."
        try:
            value = text.clean(value, multiline=datatype == "text")
        except ValueError as error:
            return None, str(error)
        if not value.strip():
            return None, "Missing data for required field."
        return value.strip(), None
    if datatype == "number":
        try:
            return _number(value), None
        except OverflowError:
            return None, NUMBER_ERROR
        except ValueError:
            return None, "Not a valid number."
    if datatype == "datetime":
        try:
            return _datetime(value, past=field.get("past", False)), None
        except date_fields.OutOfBoundsError as error:
            return None, str(error)
        except ValueError:
            return None, "Not a valid datetime."
    if datatype == "singlevaluelist":
        if value not in keys:
            return None, f"Must be one of: {', '.join(keys)}."
        return value, None
    if not isinstance(value, list) or not value:
        return None, "Not a valid list."
    if any(item not in keys for item in value):
        return None, f"Must be one of: {', '.join(keys)}."
    return sorted(set(value), key=keys.index), None


def validate(
    fields: list[dict[str, Any]], data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check ``data`` against the procedure's ``fields``.

    :return: the cleaned form (known fields only) and the errors by ``form.<code>``.
    """
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    known = {field["code"] for field in fields}
    for code in data.keys() - known:
        errors[f"form.{code}"] = ["Unknown field."]
    for field in fields:
        code = field["code"]
        value = data.get(code)
        if value is None or value == "" or value == []:
            if field["required"]:
                errors[f"form.{code}"] = ["Missing data for required field."]
            continue
        cleaned, message = _one(field, value)
        if message is not None:
            errors[f"form.{code}"] = [message]
        else:
            clean[code] = cleaned
    return clean, errors
