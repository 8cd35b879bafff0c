"""Who may change the health book.

Reading a citizen's records is never decided here: every read by someone else goes
through :mod:`consent.policies`, the one enforcement point.
"""

from __future__ import annotations

from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden
from identity.models import Citizen, OrganisationKind, Role
from identity.policies import has_membership, is_guardian_of

CLINICAL_ROLES = frozenset({Role.DOCTOR, Role.NURSE})


def can_write_records(actor: Actor) -> bool:
    """A doctor or nurse acting for a clinic writes records of the care it gave."""
    return has_membership(actor, roles=CLINICAL_ROLES, org_kind=OrganisationKind.CLINIC)


def can_hide_records(actor: Actor, subject: Citizen) -> bool:
    """The citizen, or their guardian while they are under 14, hides a record."""
    if actor.org_id is not None:
        return False
    return actor.citizen_id == subject.id or is_guardian_of(
        actor.citizen_id, subject.id, utcnow().date()
    )


def require(allowed: bool) -> None:
    """403 unless ``allowed``."""
    if not allowed:
        raise Forbidden()
