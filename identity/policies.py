"""Who may act for whom: guardianship, and acting for an organisation.

Every check that a caller acts for an organisation, in a role, with a membership
that is still live, is :func:`require_membership` (or its predicate
:func:`has_membership`); each domain's ``policies.py`` names its own rules on top
(``can_write_records``, ``is_officer_of`` …). Policies decide and return; they
never write.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from app.auth import Actor
from app.errors import Forbidden
from app.extensions import db
from identity.models import (
    Citizen,
    Guardianship,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)


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


_LIVE_ROLE = (
    sa.select(Organisation.__table__.c.kind)
    .select_from(Membership.__table__.join(Organisation.__table__))
    .where(
        Membership.__table__.c.citizen_id == sa.bindparam("citizen"),
        Membership.__table__.c.organisation_id == sa.bindparam("org"),
        Membership.__table__.c.role == sa.bindparam("role"),
        Membership.__table__.c.ended_at.is_(None),
        Organisation.__table__.c.deregistered_at.is_(None),
    )
)


def live_role_kind(
    citizen_id: uuid.UUID, org_id: uuid.UUID, role: str | None
) -> OrganisationKind | None:
    """The kind of organisation where the citizen holds ``role`` right now, if any.

    Asked at most once per request (remembered in the request's environ, which,
    unlike ``g``, never outlives the request): the check of every ``act-as`` token,
    the consent policy and the domains' rules share the answer.
    """
    key = (citizen_id, org_id, role)
    remembered: dict[tuple[Any, ...], OrganisationKind | None] = (
        request.environ.setdefault("congdan.live_roles", {})
        if has_request_context()
        else {}
    )
    if key not in remembered:
        kind = None
        if role is not None:
            # Core, not the ORM: this runs on every request acting for an organisation.
            kind = (
                db.session.connection()
                .execute(
                    _LIVE_ROLE, {"citizen": citizen_id, "org": org_id, "role": role}
                )
                .scalar()
            )
        remembered[key] = OrganisationKind(kind) if kind is not None else None
    return remembered[key]


def holds_role(citizen_id: uuid.UUID, org_id: uuid.UUID, role: str | None) -> bool:
    """Whether the citizen holds ``role`` at a registered organisation right now."""
    return live_role_kind(citizen_id, org_id, role) is not None


def has_membership(
    actor: Actor,
    *,
    roles: Iterable[Role],
    org_kind: OrganisationKind | None = None,
    org_id: uuid.UUID | None = None,
) -> bool:
    """Whether ``actor`` acts for an organisation (``org_id`` if given, of
    ``org_kind`` if given) in one of ``roles``, with a live membership there."""
    if actor.org_id is None or (org_id is not None and actor.org_id != org_id):
        return False
    if actor.role not in {role.value for role in roles}:
        return False
    kind = live_role_kind(actor.citizen_id, actor.org_id, actor.role)
    return kind is not None and (org_kind is None or kind == org_kind)


def require_membership(
    actor: Actor,
    *,
    roles: Iterable[Role],
    org_kind: OrganisationKind | None = None,
    org_id: uuid.UUID | None = None,
) -> Role:
    """The role ``actor`` acts in, as :func:`has_membership` requires; else 403."""
    if not has_membership(actor, roles=roles, org_kind=org_kind, org_id=org_id):
        raise Forbidden()
    return Role(str(actor.role))
