"""The schools' signing keys and the JWKS that publishes them.

Private keys are kept encrypted in ``school_keys``. Each published key says whose
it is (``holder``: the school or a homeroom teacher) and whether it still signs
(``status``, ``retired_at``), so a verifier can tell which key may sign what.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from joserfc.jwk import ECKey

from app import crypto
from app.extensions import db
from school_records.models import SchoolKey

ALGORITHM = "ES256"
_KEY_PURPOSE = "school-signing-key"
#: Who a published key belongs to: the school itself, or one of its homeroom teachers.
SCHOOL_HOLDER, TEACHER_HOLDER = "school", "teacher"


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
    return db.session.scalar(
        _active_query(school_id, holder_id)
        .order_by(SchoolKey.created_at.desc())
        .limit(1)
    )


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
    row = _new_row(school_id, holder_id)
    db.session.add(row)
    db.session.flush()
    return row


def signing_key(
    school_id: uuid.UUID, holder_id: uuid.UUID | None = None
) -> tuple[SchoolKey, ECKey]:
    """The active key of a school (or of one of its teachers), created on first use."""
    row = _active(school_id, holder_id) or _create(school_id, holder_id)
    return row, private_key(row)


def _published(row: SchoolKey) -> dict[str, Any]:
    jwk = {
        **row.public_jwk,
        "holder": SCHOOL_HOLDER if row.holder_id is None else TEACHER_HOLDER,
        "status": "active" if row.retired_at is None else "retired",
    }
    if row.retired_at is not None:
        jwk["retired_at"] = row.retired_at.isoformat()
    return jwk


def school_jwks(school_id: uuid.UUID) -> dict[str, Any]:
    """Every public key of the school and its teachers, retired ones too, each with
    ``holder`` (school | teacher), ``status`` (active | retired) and ``retired_at``."""
    rows = db.session.scalars(
        sa.select(SchoolKey)
        .where(SchoolKey.school_id == school_id)
        .order_by(SchoolKey.created_at)
    )
    return {"keys": [_published(row) for row in rows]}
