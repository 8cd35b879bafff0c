"""The one membership check: acting for an organisation, in a role, still live."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden
from app.extensions import db
from identity.models import Membership, Organisation, OrganisationKind, Role
from identity.policies import has_membership, require_membership
from tests.demo_ids import CLINIC, CUC, SCHOOL

DOCTORS = frozenset({Role.DOCTOR})


@pytest.fixture
def cuc_at_clinic(citizen, organisation) -> Actor:
    return Actor(
        citizen_id=citizen(CUC).id, org_id=organisation(CLINIC).id, role="doctor"
    )


def test_a_live_membership_in_the_role_and_kind_passes(cuc_at_clinic):
    assert has_membership(
        cuc_at_clinic, roles=DOCTORS, org_kind=OrganisationKind.CLINIC
    )
    assert (
        require_membership(cuc_at_clinic, roles=DOCTORS, org_id=cuc_at_clinic.org_id)
        == Role.DOCTOR
    )


def test_a_citizen_not_acting_for_an_organisation_fails(cuc_at_clinic):
    as_citizen = Actor(citizen_id=cuc_at_clinic.citizen_id)
    assert not has_membership(as_citizen, roles=DOCTORS)
    with pytest.raises(Forbidden):
        require_membership(as_citizen, roles=DOCTORS)


def test_another_role_another_kind_or_another_organisation_fails(
    cuc_at_clinic, organisation
):
    assert not has_membership(cuc_at_clinic, roles={Role.NURSE})
    assert not has_membership(
        cuc_at_clinic, roles=DOCTORS, org_kind=OrganisationKind.SCHOOL
    )
    assert not has_membership(
        cuc_at_clinic, roles=DOCTORS, org_id=organisation(SCHOOL).id
    )


def test_a_role_the_token_claims_but_the_citizen_never_held_fails(cuc_at_clinic):
    claimed = Actor(
        citizen_id=cuc_at_clinic.citizen_id, org_id=cuc_at_clinic.org_id, role="nurse"
    )
    assert not has_membership(claimed, roles={Role.DOCTOR, Role.NURSE})


def test_an_ended_membership_fails(cuc_at_clinic):
    db.session.execute(
        sa.update(Membership)
        .where(Membership.citizen_id == cuc_at_clinic.citizen_id)
        .values(ended_at=utcnow())
    )
    assert not has_membership(cuc_at_clinic, roles=DOCTORS)


def test_a_deregistered_organisation_fails(cuc_at_clinic):
    db.session.execute(
        sa.update(Organisation)
        .where(Organisation.id == cuc_at_clinic.org_id)
        .values(deregistered_at=utcnow())
    )
    assert not has_membership(cuc_at_clinic, roles=DOCTORS)
