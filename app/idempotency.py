"""``Idempotency-Key`` for creating POSTs: a retry never creates a second thing.

Phones on weak networks resend a POST when the answer is lost. With the same key,
from the same caller, with the same method, path and body, within 24 hours, the
first response is replayed (``Idempotent-Replayed: true``) and nothing new is
created. The same key with a different request is 422; while the first request is
still running, a retry gets 409 with ``Retry-After``.

The key is claimed by inserting its row in the same transaction as the work it
guards, so the row and the created resource commit together or not at all, and two
concurrent requests with one key cannot both get through the unique constraint.
Failed requests (any exception) roll back their claim: the client may retry them.
Keys are scoped to the token's subject and acting organisation; requests without a
token are not deduplicated.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.wrappers import Response as BaseResponse

from app.db import Base, utcnow
from app.errors import Conflict, Problem, render_http_exception
from app.extensions import db
from app.unit_of_work import begin_writing

HEADER = "Idempotency-Key"
_KEY_FORMAT = re.compile(r"^[\x21-\x7e]{1,255}$")
_REPLAYED_HEADERS = ("Content-Type", "Location", "ETag", "Content-Language")


class IdempotencyKeyInvalid(Problem):
    code, slug = 400, "idempotency-key-invalid"


class IdempotencyKeyReused(Problem):
    code, slug = 422, "idempotency-key-reused"


class IdempotencyKeyInUse(Conflict):
    slug = "idempotency-key-in-use"


class IdempotencyRecord(Base):
    """The first response to a request made with an ``Idempotency-Key``."""

    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("caller", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(sa.String(100))
    key: Mapped[str] = mapped_column(sa.String(255))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status_code: Mapped[int | None]
    response_headers: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    response_body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)

    @property
    def completed(self) -> bool:
        """True once the first request's response has been stored."""
        return self.status_code is not None


def _caller() -> str | None:
    verify_jwt_in_request(optional=True)
    claims = get_jwt()
    if not claims:
        return None
    return f"{claims['sub']}|{claims.get('org') or ''}"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    # no mutate: the JSON and form hooks read and cached every body an idempotent
    # view takes before this runs, so `cache` changes nothing (mutants equivalent).
    digest.update(request.get_data(cache=True))  # pragma: no mutate
    return digest.hexdigest()


def _find(caller: str, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        sa.select(IdempotencyRecord).where(
            IdempotencyRecord.caller == caller, IdempotencyRecord.key == key
        )
    )


def _replay_or_refuse(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if not record.completed:
        # no mutate here and below: a header name's case is not part of it (RFC 9110).
        raise IdempotencyKeyInUse(headers={"Retry-After": "1"})  # pragma: no mutate
    response = Response(record.response_body, status=record.status_code)
    for name, value in (record.response_headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"  # pragma: no mutate
    return response


def _is_expired(record: IdempotencyRecord) -> bool:
    ttl: timedelta = current_app.config["IDEMPOTENCY_TTL"]
    return record.created_at <= utcnow() - ttl


def _claim(caller: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Insert the key's row; return ``None`` if another request holds the key."""
    record = IdempotencyRecord(caller=caller, key=key, fingerprint=fingerprint)
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        return None
    return record


def respond_once(
    view: Callable[..., Response], *args: Any, **kwargs: Any
) -> BaseResponse:
    """Run ``view`` for this request unless its ``Idempotency-Key`` was seen.

    The first request with a key runs the view and keeps its response; a retry with
    the same key and body replays it, one with another body is refused.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return view(*args, **kwargs)
    key = key.strip().strip('"')
    if not _KEY_FORMAT.match(key):
        raise IdempotencyKeyInvalid()
    caller = _caller()
    if caller is None:
        return view(*args, **kwargs)
    fingerprint = _fingerprint()

    # The claim below writes: a view that spared itself the write lock up front
    # (unit_of_work.read_only) takes it now, before the key is looked up.
    begin_writing()
    existing = _find(caller, key)
    if existing is not None and _is_expired(existing):
        db.session.delete(existing)
        db.session.flush()
        existing = None
    if existing is not None:
        return _replay_or_refuse(existing, fingerprint)
    record = _claim(caller, key, fingerprint)
    if record is None:
        winner = _find(caller, key)
        if winner is None:  # the other request failed and released the key
            # no mutate: a header name's case is not part of it (RFC 9110).
            raise IdempotencyKeyInUse(headers={"Retry-After": "1"})  # pragma: no mutate
        return _replay_or_refuse(winner, fingerprint)

    response: BaseResponse
    try:
        response = view(*args, **kwargs)
    except Problem as refusal:
        if not refusal.commits_work:
            raise
        response = render_http_exception(refusal)  # the answer a retry gets again
    record.status_code = response.status_code
    record.response_headers = {
        name: response.headers[name]
        for name in _REPLAYED_HEADERS
        if name in response.headers
    }
    record.response_body = response.get_data()
    return response


# The work is in respond_once, called per request. A decorator's body runs once,
# at import, before mutation testing switches a mutant on: its mutants could only
# survive, so it is not mutated (tests/test_openapi.py checks what it documents).
def idempotent(
    view: Callable[..., Response],
) -> Callable[..., BaseResponse]:  # pragma: no mutate block
    """Honour ``Idempotency-Key`` on a creating POST (outermost decorator)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> BaseResponse:
        return respond_once(view, *args, **kwargs)

    document = Blueprint.doc(
        parameters=[
            {
                "in": "header",
                "name": HEADER,
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                "description": "Retry-safe key: the same key and body within 24 h "
                "replay the first response instead of creating anything.",
            }
        ]
    )
    documented: Callable[..., BaseResponse] = document(wrapped)
    return documented


def purge_expired() -> int:
    """Delete records older than the TTL; return how many were deleted."""
    cutoff = utcnow() - current_app.config["IDEMPOTENCY_TTL"]
    result = db.session.execute(
        sa.delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
