"""Who may act for whom, as the population register says."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from identity.models import Citizen, Guardianship


def is_guardian_of(guardian_id: uuid.UUID, ward_id: uuid.UUID, on: date) -> bool:
    """Tell whether ``guardian_id`` may act for ``ward_id`` on ``on``.

    True only when the register records the guardianship and the ward is still
    under 14 that day; from their 14th birthday children act for themselves.
    """
    ward = db.session.scalar(
        sa.select(Citizen)
        .join(Guardianship, Guardianship.ward_id == Citizen.id)
        .where(Guardianship.guardian_id == guardian_id, Citizen.id == ward_id)
    )
    return ward is not None and on < ward.guardianship_ends_on
