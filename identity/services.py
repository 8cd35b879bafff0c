"""Use cases of the population register (the unit of work commits them)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm
from werkzeug.security import generate_password_hash

from app.auth import Actor
from app.db import utcnow
from app.errors import NotFound
from app.extensions import db
from app.pagination import Page, paginate
from identity.models import (
    GUARDIANSHIP_AGE_LIMIT,
    ROLES_BY_KIND,
    Citizen,
    Guardianship,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    Sector,
)
from identity.schemas import CitizenRegistrationSchema


class RoleNotInOrganisationError(ValueError):
    """The role does not exist in that kind of organisation (a nurse at a school)."""


def hash_password(password: str) -> str:
    """Hash a password with the configured method (scrypt unless tests lower it)."""
    return generate_password_hash(
        password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )


def get_citizen(citizen_id: uuid.UUID, *, with_roles: bool = False) -> Citizen:
    """Return the citizen (with their roles loaded, if asked) or raise a 404 problem."""
    options = (
        [orm.joinedload(Citizen.memberships).joinedload(Membership.organisation)]
        if with_roles
        else []
    )
    citizen = db.session.get(Citizen, citizen_id, options=options)
    if citizen is None:
        raise NotFound()
    return citizen


def resolve_subject(actor: Actor, subject: str | uuid.UUID) -> Citizen:
    """The citizen a ``/citizens/{id|me}`` URL names (whether readable is decided later)."""
    return get_citizen(actor.citizen_id if subject == "me" else uuid.UUID(str(subject)))


def identity_view(citizen: Citizen, *, full: bool) -> dict[str, Any]:
    """The identity fields another party may see: basic, or full."""
    view: dict[str, Any] = {
        "id": citizen.id,
        "full_name": citizen.full_name,
        "birth_date": citizen.birth_date,
        "sex": citizen.sex,
    }
    if full:
        view.update(
            national_id=citizen.national_id,
            address=citizen.address,
            phone=citizen.phone,
        )
    return view


@dataclass(frozen=True)
class Acting:
    """The organisation and role a token acts for (both ``None``: for myself)."""

    org_id: uuid.UUID | None
    role: str | None


@dataclass(frozen=True)
class Me:
    """Who the caller is: profile, roles, the children they act for, their token."""

    profile: Citizen
    memberships: list[Membership]
    children: list[Citizen]
    acting: Acting
    acr: str | None


def who_am_i(actor: Actor) -> Me:
    """Describe the caller of this request (their profile read with its roles)."""
    citizen = get_citizen(actor.citizen_id, with_roles=True)
    return Me(
        profile=citizen,
        memberships=citizen.active_memberships,
        children=all_wards(citizen.id, utcnow().date()),
        acting=Acting(org_id=actor.org_id, role=actor.role),
        acr=actor.acr,
    )


def find_citizen_by_national_id(number: str) -> Citizen | None:
    """Return the citizen with this national id, if the register has one."""
    return db.session.scalar(sa.select(Citizen).where(Citizen.national_id == number))


def register_citizen(
    record: Mapping[str, Any], *, password: str | None = None
) -> Citizen:
    """Validate ``record`` like the register would and add the citizen.

    :raise marshmallow.ValidationError: a field is invalid (the national id's
        structure, its agreement with birth date and sex, the phone number…).
    """
    data = CitizenRegistrationSchema().load(dict(record))
    citizen = Citizen(
        **data,
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(citizen)
    db.session.flush()
    return citizen


def _wards_statement(guardian_id: uuid.UUID, on: date) -> sa.Select[Citizen]:
    return (
        sa.select(Citizen)
        .join(Guardianship, Guardianship.ward_id == Citizen.id)
        .where(
            Guardianship.guardian_id == guardian_id,
            Citizen.birth_date > _years_before(on, GUARDIANSHIP_AGE_LIMIT),
        )
    )


def all_wards(guardian_id: uuid.UUID, on: date) -> list[Citizen]:
    """Every child ``guardian_id`` acts for on ``on``, youngest first."""
    statement = _wards_statement(guardian_id, on)
    return list(db.session.scalars(statement.order_by(Citizen.birth_date.desc())))


def list_wards(
    guardian_id: uuid.UUID, on: date, *, cursor: str | None, limit: int
) -> Page[Citizen]:
    """The children ``guardian_id`` acts for on ``on`` (under 14), youngest first."""
    statement = _wards_statement(guardian_id, on)
    return paginate(
        statement,
        sort=Citizen.birth_date,
        id_column=Citizen.id,
        cursor=cursor,
        limit=limit,
    )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return date(day.year - years, 2, 28)


def get_organisation(org_id: uuid.UUID) -> Organisation:
    """Return the organisation or raise a 404 problem."""
    organisation = db.session.get(Organisation, org_id)
    if organisation is None:
        raise NotFound()
    return organisation


def list_organisations(
    *,
    kind: OrganisationKind | None,
    sector: Sector | None,
    cursor: str | None,
    limit: int,
) -> Page[Organisation]:
    """The organisation registry, newest first, optionally filtered."""
    statement = sa.select(Organisation)
    if kind is not None:
        statement = statement.where(Organisation.kind == kind)
    if sector is not None:
        statement = statement.where(Organisation.sector == sector)
    return paginate(
        statement,
        sort=Organisation.created_at,
        id_column=Organisation.id,
        cursor=cursor,
        limit=limit,
    )


def add_membership(
    citizen: Citizen, organisation: Organisation, role: Role
) -> Membership:
    """Give ``citizen`` ``role`` in ``organisation``.

    :raise RoleNotInOrganisationError: the role does not exist in that kind of
        organisation.
    """
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise RoleNotInOrganisationError(
            f"{role} is not a role of a {organisation.kind}"
        )
    membership = Membership(citizen=citizen, organisation=organisation, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def active_memberships(
    citizen_id: uuid.UUID, org_id: uuid.UUID, role: Role | None = None
) -> list[Membership]:
    """The citizen's active roles in the organisation (optionally just ``role``)."""
    statement = sa.select(Membership).where(
        Membership.citizen_id == citizen_id,
        Membership.organisation_id == org_id,
        Membership.ended_at.is_(None),
    )
    if role is not None:
        statement = statement.where(Membership.role == role)
    return list(db.session.scalars(statement))


def guardians_of(child: Citizen, on: date) -> list[uuid.UUID]:
    """The citizens who act for ``child`` on ``on`` (none from their 14th birthday)."""
    if on >= child.guardianship_ends_on:
        return []
    return list(
        db.session.scalars(
            sa.select(Guardianship.guardian_id).where(Guardianship.ward_id == child.id)
        )
    )
