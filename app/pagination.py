"""Cursor pagination: newest first, stable under inserts, opaque signed cursors.

A cursor is the (sort value, id) of the last item of a page, signed so it cannot be
confused with another list's. Pages are read with a keyset condition rather than an
offset, so rows inserted while a client pages never shift or repeat items, and no
total count is returned (a count could reveal rows the caller may not see).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, Generic, TypeVar

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import ValidationFailed
from app.extensions import db
from app.fields import Code, WholeNumber

T = TypeVar("T")

INVALID_CURSOR = "The cursor is malformed or was not issued by this list."


class PageArgsSchema(ma.Schema):
    """Query arguments of every list endpoint."""

    cursor = Code(
        load_default=None,
        validate=ma.validate.Length(max=1000),
        metadata={"description": "Opaque cursor from the previous page's next_cursor"},
    )
    limit = WholeNumber(
        load_default=20,
        validate=ma.validate.Range(min=1, max=100),
        metadata={"description": "Items per page, 1 to 100"},
    )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and the cursor of the next (``None`` on the last page)."""

    items: list[T]
    next_cursor: str | None


@cache
def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """Return the ``{"items": [...], "next_cursor": ...}`` schema for ``item_schema``."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (ma.Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next_cursor": ma.fields.String(
                allow_none=True,
                required=True,
                metadata={"description": "Pass as ?cursor= for the next page"},
            ),
            "__doc__": f"A page of {item_schema.__name__.removesuffix('Schema')}.",
        },
    )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(
        current_app.config["SECRET_KEY"], salt=f"cursor:{request.endpoint}"
    )


def _encode(value: Any, item_id: uuid.UUID) -> str:
    if isinstance(value, date | datetime):
        value = value.isoformat()
    return _serializer().dumps([value, str(item_id)])


def _decode(cursor: str, python_type: type) -> tuple[Any, uuid.UUID]:
    try:
        value, item_id = _serializer().loads(cursor)
        if python_type is datetime:
            value = datetime.fromisoformat(value)
        elif python_type is date:
            value = date.fromisoformat(value)
        return value, uuid.UUID(item_id)
    except (BadSignature, ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(errors={"query.cursor": [INVALID_CURSOR]}) from exc


def paginate(
    statement: sa.Select[T],
    *,
    sort: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[uuid.UUID],
    cursor: str | None,
    limit: int,
) -> Page[T]:
    """Return one page of ``statement`` ordered by ``sort`` then ``id``, newest first."""
    if cursor:
        value, last_id = _decode(cursor, sort.type.python_type)
        statement = statement.where(sa.tuple_(sort, id_column) < (value, last_id))
    rows = list(
        db.session.scalars(
            statement.order_by(sort.desc(), id_column.desc()).limit(limit + 1)
        )
    )
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = _encode(getattr(last, sort.key), getattr(last, id_column.key))
    return Page(items=items, next_cursor=next_cursor)
