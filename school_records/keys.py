"""The schools' signing keys: one active key per school (and per homeroom teacher),
created once and saved, rotated by ``flask schools rotate-keys``, withdrawn by
``flask schools withdraw-key`` when compromised.

Private keys are kept encrypted in ``school_keys``. A retired key is never used to
sign again but stays in the school's JWKS for as long as what it signed exists (a
transcript is kept for life). The JWKS publishes each key's life — ``created_at``,
``retired_at``, ``withdrawn_since`` — and the verifier accepts a signature only on
what is dated within it.

Two partial unique indexes allow one active key per school and per teacher, so
two requests that both find none cannot both create one: the second waits for
the first to commit and then uses its key.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from joserfc.jwk import ECKey
from sqlalchemy.exc import IntegrityError

from app import audit, crypto
from app.db import utcnow
from app.extensions import db
from app.unit_of_work import begin_writing
from school_records.claims import SCHOOL_HOLDER, TEACHER_HOLDER
from school_records.models import SchoolKey

ALGORITHM = "ES256"
_KEY_PURPOSE = "school-signing-key"


def _active_query(
    school_id: uuid.UUID, holder_id: uuid.UUID | None
) -> sa.Select[SchoolKey]:
    return sa.select(SchoolKey).where(
        SchoolKey.school_id == school_id,
        SchoolKey.holder_id.is_(None)
        if holder_id is None
        else SchoolKey.holder_id == holder_id,
        SchoolKey.retired_at.is_(None),
    )


def _active(school_id: uuid.UUID, holder_id: uuid.UUID | None) -> SchoolKey | None:
    # FOR SHARE: a rotation (FOR UPDATE) waits until this signature is committed,
    # so nothing signed with a key is dated after that key's retirement.
    return db.session.scalar(
        _active_query(school_id, holder_id).with_for_update(read=True)
    )


def current_school_key(school_id: uuid.UUID) -> SchoolKey | None:
    """The school's own active key, if it has one, read without holding it.

    Enough to tell whether what was signed with it may be served again; whoever
    signs takes it through :func:`signing_key`, which holds it. (Holding it here,
    FOR SHARE, made every read of a status list a writing transaction on
    PostgreSQL: a row lock takes a transaction id, and its commit waits for the
    log's flush.)
    """
    return db.session.scalar(_active_query(school_id, None))


def private_key(row: SchoolKey) -> ECKey:
    """The private key of a stored row."""
    return ECKey.import_key(
        json.loads(crypto.decrypt(row.private_jwk_encrypted, _KEY_PURPOSE))
    )


def _new_row(school_id: uuid.UUID, holder_id: uuid.UUID | None) -> SchoolKey:
    key = ECKey.generate_key("P-256", {"alg": ALGORITHM, "use": "sig"}, auto_kid=True)
    return SchoolKey(
        school_id=school_id,
        holder_id=holder_id,
        kid=str(key.kid),
        public_jwk=key.as_dict(private=False),
        private_jwk_encrypted=crypto.encrypt(
            json.dumps(key.as_dict(private=True)), _KEY_PURPOSE
        ),
    )


def _create(school_id: uuid.UUID, holder_id: uuid.UUID | None) -> SchoolKey:
    begin_writing()
    found = _active(school_id, holder_id)
    if found is not None:
        return found
    row = _new_row(school_id, holder_id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        # Another request created the key first; its row is committed by now.
        found = _active(school_id, holder_id)
        if found is None:  # pragma: no cover - the index admits no other cause
            raise
        return found
    return row


def signing_key(
    school_id: uuid.UUID, holder_id: uuid.UUID | None = None
) -> tuple[SchoolKey, ECKey]:
    """The active key of a school (or of one of its teachers), created on first use.

    A created key is added to the request's transaction: whoever signs with it must
    commit (a GET that signs a status list does), or nothing it signed is published.
    """
    row = _active(school_id, holder_id) or _create(school_id, holder_id)
    return row, private_key(row)


def rotate(school_id: uuid.UUID) -> SchoolKey:
    """Retire every active key of the school and its teachers; add a new school key.

    Teachers get new keys at their next homeroom signature. The instant of
    retirement is taken once the old keys are locked, after every signature made
    with them has committed.
    """
    begin_writing()
    active = list(
        db.session.scalars(
            sa.select(SchoolKey)
            .where(SchoolKey.school_id == school_id, SchoolKey.retired_at.is_(None))
            .with_for_update()
        )
    )
    now = utcnow()
    for row in active:
        row.retired_at = now
    db.session.flush()
    fresh = _new_row(school_id, None)
    db.session.add(fresh)
    db.session.flush()
    audit.record(
        "school.keys.rotated",
        "success",
        details={
            "school": str(school_id),
            "kid": fresh.kid,
            "retired": [row.kid for row in active],
        },
    )
    return fresh


def withdraw(kid: str, since: datetime) -> datetime:
    """Refuse whatever key ``kid`` signed at or after ``since`` (it was compromised);
    return the instant from which its signatures are refused.

    An active key is also retired, under the same lock as :func:`rotate`, so it
    signs nothing more (the next signature makes a new key). A withdrawal only
    ever moves earlier: a later ``since`` leaves an earlier one in force.

    :raise LookupError: no key has this ``kid``.
    """
    begin_writing()
    row = db.session.scalar(
        sa.select(SchoolKey).where(SchoolKey.kid == kid).with_for_update()
    )
    if row is None:
        raise LookupError(kid)
    if row.retired_at is None:
        row.retired_at = utcnow()
    in_force = since.astimezone(UTC)
    if row.withdrawn_since is not None:
        in_force = min(in_force, row.withdrawn_since)
    row.withdrawn_since = in_force
    db.session.flush()
    audit.record(
        "school.key.withdrawn",
        "success",
        details={
            "school": str(row.school_id),
            "kid": row.kid,
            "holder": _holder(row),
            "since": in_force.isoformat(),
        },
    )
    return in_force


def _holder(row: SchoolKey) -> str:
    return SCHOOL_HOLDER if row.holder_id is None else TEACHER_HOLDER


def _status(row: SchoolKey) -> str:
    if row.withdrawn_since is not None:
        return "withdrawn"
    return "active" if row.retired_at is None else "retired"


def _published(row: SchoolKey) -> dict[str, Any]:
    jwk = {
        **row.public_jwk,
        "holder": _holder(row),
        "status": _status(row),
        "created_at": row.created_at.isoformat(),
    }
    if row.retired_at is not None:
        jwk["retired_at"] = row.retired_at.isoformat()
    if row.withdrawn_since is not None:
        jwk["withdrawn_since"] = row.withdrawn_since.isoformat()
    return jwk


def published_key(school_id: uuid.UUID, kid: str) -> dict[str, Any] | None:
    """The school's (or one of its teachers') public key ``kid``, as its JWKS
    publishes it: one indexed row, however many keys the school has had."""
    row = db.session.scalar(
        sa.select(SchoolKey).where(
            SchoolKey.school_id == school_id, SchoolKey.kid == kid
        )
    )
    return _published(row) if row is not None else None


def school_jwks(school_id: uuid.UUID) -> dict[str, Any]:
    """Every public key of the school and its teachers, retired ones too, each with
    ``holder`` (school | teacher), ``status`` (active | retired | withdrawn) and its
    life as ISO 8601 instants: ``created_at``, then ``retired_at`` once it signs no
    more, and ``withdrawn_since`` once what it signed from then on is refused."""
    rows = db.session.scalars(
        sa.select(SchoolKey)
        .where(SchoolKey.school_id == school_id)
        .order_by(SchoolKey.created_at)
    )
    return {"keys": [_published(row) for row in rows]}


_PUBLIC_JWK = ("kty", "crv", "x", "y")


def _issuing_keys(school_id: uuid.UUID) -> list[SchoolKey]:
    """The keys that may have issued the school's credentials: its own, not its
    teachers', and none withdrawn (retired ones still verify what they signed)."""
    return list(
        db.session.scalars(
            sa.select(SchoolKey)
            .where(
                SchoolKey.school_id == school_id,
                SchoolKey.holder_id.is_(None),
                SchoolKey.withdrawn_since.is_(None),
            )
            .order_by(SchoolKey.created_at)
        )
    )


def issuer_jwks(school_id: uuid.UUID) -> dict[str, Any]:
    """The school's keys as a generic verifier may trust them (JWT VC Issuer
    Metadata): those :func:`did_document` lists, with their ``kid``."""
    return {
        "keys": [
            {
                **{name: row.public_jwk[name] for name in _PUBLIC_JWK},
                "kid": row.kid,
                "alg": ALGORITHM,
                "use": "sig",
            }
            for row in _issuing_keys(school_id)
        ]
    }


def did_document(school_id: uuid.UUID, did: str, url: str) -> dict[str, Any]:
    """The school's DID document (did:web): the keys that may have issued its
    credentials and status lists, each a ``JsonWebKey2020`` verification method
    ``did#kid`` and an ``assertionMethod``; retired keys too (they verify what
    they signed before retiring).

    A generic verifier accepts any key listed, whatever it asks of its purpose:
    so a withdrawn (compromised) key and the teachers' keys, which sign only the
    homeroom proof inside a credential, are left out (the JWKS keeps them, with
    their lives, for CongDan's own verifier).
    """
    rows = _issuing_keys(school_id)
    return {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/jws-2020/v1",
        ],
        "id": did,
        "alsoKnownAs": [url],
        "verificationMethod": [
            {
                "id": f"{did}#{row.kid}",
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": {name: row.public_jwk[name] for name in _PUBLIC_JWK},
            }
            for row in rows
        ],
        "assertionMethod": [f"{did}#{row.kid}" for row in rows],
    }
