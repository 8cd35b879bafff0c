"""The mock national population register: citizens, households, guardianship,
organisations and the roles citizens hold in them."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, str_enum, utcnow

#: A parent acts for a child until the child's 14th birthday; from then on the
#: child holds an account of their own.
GUARDIANSHIP_AGE_LIMIT = 14


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class OrganisationKind(enum.StrEnum):
    CLINIC = "clinic"
    SCHOOL = "school"
    AGENCY = "agency"
    OPERATIONS_CENTRE = "operations_centre"


class Sector(enum.StrEnum):
    HEALTH = "health"
    EDUCATION = "education"
    PUBLIC_ADMINISTRATION = "public_administration"
    OPERATIONS = "operations"


class Role(enum.StrEnum):
    DOCTOR = "doctor"
    NURSE = "nurse"
    TEACHER = "teacher"
    PRINCIPAL = "principal"
    OFFICER = "officer"
    ANALYST = "analyst"
    ORG_ADMIN = "org_admin"


#: Which roles exist in which kind of organisation.
ROLES_BY_KIND: dict[OrganisationKind, frozenset[Role]] = {
    OrganisationKind.CLINIC: frozenset({Role.DOCTOR, Role.NURSE, Role.ORG_ADMIN}),
    OrganisationKind.SCHOOL: frozenset({Role.TEACHER, Role.PRINCIPAL, Role.ORG_ADMIN}),
    OrganisationKind.AGENCY: frozenset({Role.OFFICER, Role.ORG_ADMIN}),
    OrganisationKind.OPERATIONS_CENTRE: frozenset({Role.ANALYST, Role.ORG_ADMIN}),
}


class GuardianRelation(enum.StrEnum):
    PARENT = "parent"
    LEGAL_GUARDIAN = "legal_guardian"


class HouseholdRole(enum.StrEnum):
    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    OTHER = "other"


class Citizen(TimestampMixin, Base):
    """A person in the population register; those with a password can log in."""

    __tablename__ = "citizens"
    __table_args__ = (sa.CheckConstraint("loa IN (1, 2)", name="loa"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    national_id: Mapped[str] = mapped_column(sa.String(12), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    birth_date: Mapped[date]
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, "sex"))
    address: Mapped[str] = mapped_column(sa.String(500))
    phone: Mapped[str | None] = mapped_column(sa.String(16))
    #: Level of assurance: 1 registered online, 2 verified in person.
    loa: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="citizen", order_by="Membership.created_at"
    )

    def age_on(self, day: date) -> int:
        """Return the citizen's age in whole years on ``day``."""
        before_birthday = (day.month, day.day) < (
            self.birth_date.month,
            self.birth_date.day,
        )
        return day.year - self.birth_date.year - int(before_birthday)

    @property
    def active_memberships(self) -> list[Membership]:
        """The roles the citizen holds today."""
        return [membership for membership in self.memberships if membership.active]

    @property
    def guardianship_ends_on(self) -> date:
        """Return the day the citizen turns 14 and their guardian stops acting."""
        year = self.birth_date.year + GUARDIANSHIP_AGE_LIMIT
        try:
            return self.birth_date.replace(year=year)
        except ValueError:  # born on 29 February
            return date(year, 3, 1)


class Household(TimestampMixin, Base):
    """A household (hộ gia đình) of the residence register."""

    __tablename__ = "households"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    address: Mapped[str] = mapped_column(sa.String(500))

    members: Mapped[list[HouseholdMember]] = relationship(back_populates="household")


class HouseholdMember(Base):
    """A citizen's place in a household; a citizen belongs to one household."""

    __tablename__ = "household_members"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    household_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), unique=True
    )
    role: Mapped[HouseholdRole] = mapped_column(
        str_enum(HouseholdRole, "household_role")
    )

    household: Mapped[Household] = relationship(back_populates="members")
    citizen: Mapped[Citizen] = relationship()


class Guardianship(Base):
    """The register's record that ``guardian`` is the parent or guardian of ``ward``.

    It lets the guardian act for the ward only while the ward is under 14; see
    :func:`identity.policies.is_guardian_of`.
    """

    __tablename__ = "guardianships"
    __table_args__ = (
        sa.UniqueConstraint("guardian_id", "ward_id"),
        sa.CheckConstraint("guardian_id <> ward_id", name="not_self"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    guardian_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    ward_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[GuardianRelation] = mapped_column(
        str_enum(GuardianRelation, "guardian_relation")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    guardian: Mapped[Citizen] = relationship(foreign_keys=[guardian_id])
    ward: Mapped[Citizen] = relationship(foreign_keys=[ward_id])


class Organisation(TimestampMixin, Base):
    """A clinic, school, agency or the operations centre, by its official code."""

    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    name_en: Mapped[str | None] = mapped_column(sa.String(255))
    kind: Mapped[OrganisationKind] = mapped_column(
        str_enum(OrganisationKind, "organisation_kind"), index=True
    )
    sector: Mapped[Sector] = mapped_column(str_enum(Sector, "sector"))
    address: Mapped[str] = mapped_column(sa.String(500))
    #: Removed from the registry: what it issued no longer passes the trust check.
    deregistered_at: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation")


class Membership(Base):
    """A role a citizen holds in an organisation (active until ``ended_at``)."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("citizen_id", "organisation_id", "role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    citizen: Mapped[Citizen] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    @property
    def active(self) -> bool:
        """True while the membership has not ended."""
        return self.ended_at is None
