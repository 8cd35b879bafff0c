"""Who acts for a school: its teachers and principals, by their live memberships."""

from __future__ import annotations

import uuid

from app.auth import Actor
from app.errors import Forbidden
from identity import services as identity_services
from identity.models import Role

STAFF = frozenset({Role.TEACHER, Role.PRINCIPAL})
PRINCIPAL = frozenset({Role.PRINCIPAL})


def require_staff(actor: Actor, school_id: uuid.UUID, roles: frozenset[Role]) -> Role:
    """The role ``actor`` acts in for ``school_id``, one of ``roles``; else 403."""
    if actor.org_id != school_id or actor.role not in {r.value for r in roles}:
        raise Forbidden()
    role = Role(actor.role)
    if not identity_services.active_memberships(actor.citizen_id, school_id, role):
        raise Forbidden()
    return role


def is_staff_of(actor: Actor, school_id: uuid.UUID) -> bool:
    """Whether ``actor`` acts for ``school_id`` as a teacher or its principal."""
    try:
        require_staff(actor, school_id, STAFF)
    except Forbidden:
        return False
    return True
