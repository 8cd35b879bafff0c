"""Marshmallow fields the whole API shares."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask_smorest import Blueprint
from marshmallow import RAISE, ValidationError, fields
from webargs.flaskparser import FlaskParser


class WholeNumber(fields.Integer):
    """An integer that refuses numbers with a fraction (``2.5``), never truncating.

    marshmallow's own ``Integer`` turns ``2.5`` into ``2``; ``strict=True`` would
    also refuse ``"20"`` from a query string. This accepts ``20``, ``20.0`` and
    ``"20"``, and refuses ``20.5`` and booleans.
    """

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool) or (
            isinstance(value, float) and not value.is_integer()
        ):
            raise self.make_error("invalid")
        return super()._validated(value)


class DecimalString(fields.Decimal):
    """An exact decimal, sent and received as a string (``"38.2"``), never a float."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "type": "string",
            "format": "decimal",
            "pattern": r"^-?\d+(\.\d+)?$",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(as_string=True, metadata=metadata, **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> Any:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def between(low: str, high: str) -> Callable[[Decimal], None]:
    """A range check for :class:`DecimalString` (``Range`` would document numbers)."""
    bounds = Decimal(low), Decimal(high)

    def check(value: Decimal) -> None:
        if not bounds[0] <= value <= bounds[1]:
            raise ValidationError(
                f"Must be greater than or equal to {low} and less than or equal to {high}."
            )

    return check


class StrictQueryParser(FlaskParser):
    """Refuse unknown query parameters (422 "Unknown field."), as JSON bodies do.

    A misspelt filter (``?stauts=1``) would otherwise be ignored silently and the
    caller would get every row.
    """

    DEFAULT_UNKNOWN_BY_LOCATION = {  # noqa: RUF012 - webargs reads the class attribute
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
    }


def use_strict_query_parser() -> None:
    """Make every flask-smorest blueprint parse query strings strictly."""
    Blueprint.ARGUMENTS_PARSER = StrictQueryParser()
