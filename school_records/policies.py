"""Who acts for a school, and in which of its acts.

Reading a pupil's transcripts by anyone outside the school goes through
:mod:`consent.policies`; these rules cover the school's own staff.
"""

from __future__ import annotations

import uuid

from app.auth import Actor
from app.errors import Forbidden
from identity.models import OrganisationKind, Role
from identity.policies import has_membership, holds_role, require_membership
from school_records.models import SchoolClass

STAFF = frozenset({Role.TEACHER, Role.PRINCIPAL})
PRINCIPAL = frozenset({Role.PRINCIPAL})


def require_staff(actor: Actor, school_id: uuid.UUID, roles: frozenset[Role]) -> Role:
    """The role ``actor`` acts in for ``school_id``, one of ``roles``; else 403."""
    return require_membership(
        actor, roles=roles, org_kind=OrganisationKind.SCHOOL, org_id=school_id
    )


def is_staff_of(actor: Actor, school_id: uuid.UUID) -> bool:
    """Whether ``actor`` acts for ``school_id`` as a teacher or its principal."""
    return has_membership(
        actor, roles=STAFF, org_kind=OrganisationKind.SCHOOL, org_id=school_id
    )


def can_teach_at(citizen_id: uuid.UUID, school_id: uuid.UUID) -> bool:
    """Whether a citizen is a teacher of the school now (to be a homeroom teacher)."""
    return holds_role(citizen_id, school_id, Role.TEACHER)


def can_enrol(actor: Actor, role: Role, school_class: SchoolClass) -> bool:
    """The principal enrols in any class; a teacher only in the class they lead."""
    return (
        role == Role.PRINCIPAL or school_class.homeroom_teacher_id == actor.citizen_id
    )


def can_sign_as_homeroom(actor: Actor, school_class: SchoolClass) -> bool:
    """Only the class's homeroom teacher signs its pupils' transcripts first."""
    return school_class.homeroom_teacher_id == actor.citizen_id


def require(allowed: bool, refusal: type[Forbidden] = Forbidden) -> None:
    """Raise ``refusal`` unless ``allowed``."""
    if not allowed:
        raise refusal()
