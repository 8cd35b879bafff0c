"""A school's transcripts' status as a Token Status List (IETF
draft-ietf-oauth-status-list), for credentials in SD-JWT VC format.

The same positions as the school's two Bitstring Status Lists, two bits each:
``0`` valid, ``1`` invalid (revoked), ``2`` suspended — a revoked transcript reads
``1`` whether or not it was also suspended. The bits are the database's, so a
revocation shows in both forms at once; the token is a JWT (``statuslist+jwt``)
signed with the school's active key, its ``iss`` the school's URL, whose
``/.well-known/jwt-vc-issuer`` metadata names its keys.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
import zlib
from functools import cache

import sqlalchemy as sa
from flask import current_app
from joserfc import jwt

from app.db import utcnow
from app.extensions import db
from school_records import credentials, keys
from school_records.credentials import bit_at
from school_records.keys import ALGORITHM, signing_key
from school_records.models import STATUS_LIST_BITS, StatusList, StatusPurpose

BITS = 2
VALID, INVALID, SUSPENDED = 0, 1, 2
TYPE = "statuslist+jwt"
#: How long a verifier may keep the token before fetching it again (seconds).
TTL_SECONDS = credentials.STATUS_TTL_MS // 1000
#: A token is refused a day after it was signed, whatever a cache holds.
LIFETIME_SECONDS = 86_400
_REUSE_SECONDS = 60
_signed: dict[tuple[uuid.UUID, str, bytes], tuple[float, str]] = {}


def token_url(school_id: uuid.UUID) -> str:
    """Where the school's Status List Token is published (its ``sub``)."""
    return (
        f"{current_app.config['BASE_URL']}/api/v1/schools/{school_id}/token-status-list"
    )


@cache
def _spread(byte: int, value: int) -> int:
    """The eight statuses of one bitstring byte (most significant bit first), as
    sixteen bits of two per status, least significant first: ``value`` where a
    bit is set."""
    return sum(
        value << (2 * position) for position in range(8) if byte >> (7 - position) & 1
    )


def pack(revoked: bytes, suspended: bytes) -> bytes:
    """The two-bit statuses of two bitstrings of equal length."""
    packed = bytearray()
    for gone, held in zip(revoked, suspended, strict=True):
        suspended_only = held & ~gone & 0xFF
        packed += (
            _spread(gone, INVALID) | _spread(suspended_only, SUSPENDED)
        ).to_bytes(2, "little")
    return bytes(packed)


def status_at(packed: bytes, index: int) -> int:
    """The status at ``index`` of a packed two-bit list.

    :raise ValueError: ``index`` is outside the list.
    """
    if not 0 <= index < len(packed) * 4:
        raise ValueError(f"index {index} is outside the list")
    return packed[index // 4] >> (2 * (index % 4)) & 0b11


def encode(packed: bytes) -> str:
    """``lst``: base64url of the DEFLATE (zlib) compressed statuses."""
    compressed = zlib.compress(packed, 9)
    return base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def _bits(school_id: uuid.UUID) -> tuple[bytes, bytes]:
    lists = {
        found.purpose: found.bits
        for found in db.session.scalars(
            sa.select(StatusList).where(StatusList.school_id == school_id)
        )
    }
    empty = bytes(STATUS_LIST_BITS // 8)
    return (
        lists.get(StatusPurpose.REVOCATION, empty),
        lists.get(StatusPurpose.SUSPENSION, empty),
    )


def status_of(school_id: uuid.UUID, index: int) -> int:
    """The status the school's token gives the transcript at ``index``, read
    from the bits it is made of (no packing: a verifier asks for one).

    :raise ValueError: ``index`` is outside the list.
    """
    revoked, suspended = _bits(school_id)
    if bit_at(revoked, index):
        return INVALID
    return SUSPENDED if bit_at(suspended, index) else VALID


def status_list_token(school_id: uuid.UUID) -> str:
    """The school's Status List Token (JWT), signed again at most once a minute
    while its statuses and the school's key are unchanged (packing the list
    costs milliseconds: it is done only when signing)."""
    revoked, suspended = _bits(school_id)
    active = keys.current_school_key(school_id)
    reuse = (
        (school_id, active.kid, hashlib.sha256(revoked + suspended).digest())
        if active is not None
        else None
    )
    kept = _signed.get(reuse) if reuse is not None else None
    if kept is not None and time.monotonic() - kept[0] < _REUSE_SECONDS:
        return kept[1]
    packed = pack(revoked, suspended)
    row, key = signing_key(school_id)
    now = int(utcnow().timestamp())
    token = jwt.encode(
        {"alg": ALGORITHM, "kid": row.kid, "typ": TYPE},
        {
            "iss": credentials.issuer_id(school_id),
            "sub": token_url(school_id),
            "iat": now,
            "exp": now + LIFETIME_SECONDS,
            "ttl": TTL_SECONDS,
            "status_list": {"bits": BITS, "lst": encode(packed)},
        },
        key,
    )
    if reuse is not None:
        if len(_signed) >= 1024:
            _signed.clear()
        _signed[reuse] = (time.monotonic(), token)
    return token
