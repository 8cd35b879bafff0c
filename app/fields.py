"""Marshmallow fields the whole API shares: every input field is one of these.

Each refuses what its plain marshmallow counterpart lets through to a server error
or to a surprise: text in two Unicode forms or with invisible characters
(:class:`Text`, :class:`Code`), ``0`` for ``false`` (:class:`Boolean`), a
400-digit integer or one in other digits than ASCII (:class:`WholeNumber`,
:class:`DecimalString`, :class:`Uuid`), free-form objects of any size
(:class:`FreeForm`). Dates are in :mod:`app.date_fields`.
``tests/test_input_fields.py`` checks that every schema the API loads uses them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from marshmallow import ValidationError, fields, validate

from app import text
from app.i18n import add_validation_messages

#: An integer, a decimal and a UUID as text: ASCII digits only, as every identifier
#: and number of the API.
_ASCII_INTEGER: Final = re.compile(r"-?[0-9]+")
_ASCII_DECIMAL: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_UUID_TEXT: Final = re.compile(r"[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}")

#: The largest integer any field takes: the largest a JavaScript client can hold
#: exactly (2^53 - 1), and well inside PostgreSQL's BIGINT.
MAX_INTEGER: Final = 2**53 - 1

RANGE_ERROR: Final = (
    "Must be greater than or equal to {min} and less than or equal to {max}."
)
TOO_DEEP_ERROR: Final = "Nested more than {depth} levels deep."
TOO_MANY_KEYS_ERROR: Final = "At most {count} entries."
TOO_LARGE_ERROR: Final = "Larger than {size} bytes as JSON."

add_validation_messages(
    {
        TOO_DEEP_ERROR: "Lồng quá {depth} cấp.",
        TOO_MANY_KEYS_ERROR: "Tối đa {count} mục.",
        TOO_LARGE_ERROR: "Lớn hơn {size} byte khi viết ở dạng JSON.",
    }
)


def _invalid(error: ValueError) -> ValidationError:
    return ValidationError(str(error))


class Text(fields.String):
    """People's text (names, addresses, reasons, comments): stored in NFC, and
    refusing control and invisible formatting characters.

    :param multiline: tabs and line breaks are allowed (comments, summaries).
    """

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return text.clean(raw, multiline=self.multiline)
        except ValueError as error:
            raise _invalid(error) from None


class Code(fields.String):
    """An identifier, code or token: kept exactly as sent (never normalised, so
    look-alikes stay different), printable characters only."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> str:
        raw: str = super()._deserialize(value, attr, data, **kwargs)
        if not raw.isprintable():
            found = next(char for char in raw if not char.isprintable())
            raise ValidationError(
                text.INVISIBLE_ERROR.format(char=text.describe(found))
            )
        return raw


class Boolean(fields.Boolean):
    """A JSON ``true`` or ``false``; never ``0``, ``1``, ``"yes"`` or ``"true"``.

    (marshmallow's own accepts all of those, and ``0 in {False}`` holds in Python,
    so narrowing ``truthy``/``falsy`` would not refuse ``0``.)
    """

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> bool:
        if value is True or value is False:
            return value
        raise self.make_error("invalid", input=value)


class QueryFlag(fields.Boolean):
    """A query-string flag: exactly ``true`` or ``false``."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> bool:
        if value in ("true", "false"):
            return bool(value == "true")
        if value is True or value is False:
            return value
        raise self.make_error("invalid", input=value)


class WholeNumber(fields.Integer):
    """An integer that refuses numbers with a fraction (``2.5``), never truncating,
    and anything beyond ±(2^53 - 1).

    marshmallow's own ``Integer`` turns ``2.5`` into ``2``; ``strict=True`` would
    also refuse ``"20"`` from a query string. This accepts ``20``, ``20.0`` and
    ``"20"``, and refuses ``20.5`` and booleans. As text (a query string) it is
    ASCII digits with an optional ``-``: ``int()`` would also read ``"٣"`` (an
    Arabic-Indic three), a full-width ``3``, ``" 3"``, ``"+3"`` and ``"3_0"``.
    """

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool) or (
            isinstance(value, float) and not value.is_integer()
        ):
            raise self.make_error("invalid")
        if isinstance(value, str) and (
            len(value) > len(str(MAX_INTEGER)) + 1  # before int() spends time on it
            or not _ASCII_INTEGER.fullmatch(value)
        ):
            raise self.make_error("invalid")
        number: int = super()._validated(value)
        if not -MAX_INTEGER <= number <= MAX_INTEGER:
            raise ValidationError(RANGE_ERROR.format(min=-MAX_INTEGER, max=MAX_INTEGER))
        return number


class DecimalString(fields.Decimal):
    """An exact decimal, sent and received as a string (``"38.2"``), never a float:
    ASCII digits, as its pattern says (``Decimal()`` also reads ``"٣٨.٢"``,
    ``" 38.2"``, ``"3_8"`` and ``"3.82e1"``)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "type": "string",
            "format": "decimal",
            "pattern": f"^{_ASCII_DECIMAL.pattern}$",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(as_string=True, metadata=metadata, **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> Any:
        if not isinstance(value, str) or not _ASCII_DECIMAL.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Uuid(fields.UUID):
    """A UUID in hex digits, with or without its hyphens, as the path's ``<uuid:…>``
    takes one (``uuid.UUID()`` also reads Arabic-Indic digits, braces and
    ``urn:uuid:``)."""

    def _validated(self, value: Any) -> Any:
        if isinstance(value, str) and not _UUID_TEXT.fullmatch(value):
            raise self.make_error("invalid_uuid")
        return super()._validated(value)


def between(low: str, high: str) -> Callable[[Decimal], None]:
    """A range check for :class:`DecimalString` (``Range`` would document numbers)."""
    bounds = Decimal(low), Decimal(high)

    def check(value: Decimal) -> None:
        if not bounds[0] <= value <= bounds[1]:
            raise ValidationError(RANGE_ERROR.format(min=low, max=high))

    return check


class FreeForm(fields.Dict):
    """A JSON object whose keys the caller chooses (a dossier's form, a transcript's
    content), bounded: entries, nesting, size; its text cleaned like :class:`Text`
    (multi-line), its integers within ±(2^53 - 1).

    What the object must contain is checked where its meaning is known (the
    procedure's form fields, the grading rules); this only keeps it sane.
    """

    def __init__(
        self,
        *,
        max_keys: int = 50,
        max_depth: int = 4,
        max_bytes: int = 64 * 1024,
        **kwargs: Any,
    ) -> None:
        kwargs["metadata"] = {"maxProperties": max_keys, **kwargs.get("metadata", {})}
        super().__init__(keys=Code(validate=validate.Length(min=1, max=100)), **kwargs)
        self.max_keys, self.max_depth, self.max_bytes = max_keys, max_depth, max_bytes

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> dict[str, Any]:
        mapping: dict[str, Any] = super()._deserialize(  # type: ignore[no-untyped-call]
            value, attr, data, **kwargs
        )
        if len(mapping) > self.max_keys:
            raise ValidationError(TOO_MANY_KEYS_ERROR.format(count=self.max_keys))
        errors: dict[str, list[str]] = {}
        cleaned = {
            key: self._clean(item, key, 2, errors) for key, item in mapping.items()
        }
        if errors:
            raise ValidationError(errors)
        size = len(json.dumps(cleaned, ensure_ascii=False).encode())
        if size > self.max_bytes:
            raise ValidationError(TOO_LARGE_ERROR.format(size=self.max_bytes))
        return cleaned

    def _clean(
        self, item: Any, path: str, level: int, errors: dict[str, list[str]]
    ) -> Any:
        if isinstance(item, str):
            try:
                return text.clean(item, multiline=True)
            except ValueError as error:
                errors[path] = [str(error)]
                return item
        if isinstance(item, int) and not isinstance(item, bool):
            if not -MAX_INTEGER <= item <= MAX_INTEGER:
                errors[path] = [RANGE_ERROR.format(min=-MAX_INTEGER, max=MAX_INTEGER)]
            return item
        if not isinstance(item, dict | list):
            return item
        if level > self.max_depth:  # the object itself is level 1
            errors[path] = [TOO_DEEP_ERROR.format(depth=self.max_depth)]
            return item
        if isinstance(item, list):
            return [
                self._clean(child, f"{path}.{index}", level + 1, errors)
                for index, child in enumerate(item)
            ]
        cleaned = {}
        for key, child in item.items():
            found = text.invisible_character(key)
            if found is not None:
                errors[f"{path}.{key!r}"] = [
                    text.INVISIBLE_ERROR.format(char=text.describe(found))
                ]
            cleaned[key] = self._clean(child, f"{path}.{key}", level + 1, errors)
        return cleaned
