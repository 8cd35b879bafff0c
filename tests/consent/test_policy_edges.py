"""The edges of the enforcement point: period bounds, the frequency window, the
``Retry-After`` it computes, and a dossier's once-only reuse.

Decisions are taken at a stated instant (``decide(..., at=...)``) against uses
written at known instants, so each bound is met exactly.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import g

from app import unit_of_work
from app.auth import Actor
from app.db import utcnow
from app.extensions import db
from consent import policies
from consent.models import AccessEvent, Basis, ConsentArtefact, EmergencyAccess
from consent.vocabulary import Category
from tests.consent.helpers import events, grant
from tests.demo_ids import AN, CLINIC, CUC, HAI, PHUC, WARD
from tests.problems import assert_problem


@pytest.fixture
def clinic_actor(citizen, organisation) -> Actor:
    return Actor(
        citizen_id=citizen(CUC).id, org_id=organisation(CLINIC).id, role="doctor"
    )


def _allergies_artefact(client, parties, citizen, **overrides) -> uuid.UUID:
    artefact = grant(
        client,
        parties,
        citizen(AN).id,
        categories=["identity_basic", "allergies"],
        data_from="2024-01-01",
        data_to="2024-12-31",
        **overrides,
    )
    return uuid.UUID(artefact["id"])


@pytest.mark.parametrize(
    "period",
    [
        (date(2024, 12, 31), date(2024, 12, 31)),  # the last day alone
        (date(2024, 1, 1), date(2024, 1, 1)),  # the first day alone
        (None, date(2024, 1, 1)),
        (date(2024, 12, 31), None),
    ],
)
def test_a_period_touching_either_end_of_the_consent_is_inside(
    client, parties, citizen, clinic_actor, period
):
    _allergies_artefact(client, parties, citizen)
    decision = policies.decide(
        clinic_actor, citizen(AN).id, Category.ALLERGIES, period=period, action="read"
    )
    assert decision.allowed, decision.reason


def test_a_period_ending_after_the_consent_is_refused(
    client, parties, citizen, clinic_actor
):
    _allergies_artefact(client, parties, citizen)
    decision = policies.decide(
        clinic_actor,
        citizen(AN).id,
        Category.ALLERGIES,
        period=(date(2024, 6, 1), date(2025, 1, 1)),
        action="read",
    )
    assert (decision.allowed, decision.reason) == (False, "period-outside")


def _used(artefact_id: uuid.UUID, actor: Actor, subject_id, at: datetime) -> None:
    """One earlier permitted read under the artefact, at ``at``."""
    db.session.add(
        AccessEvent(
            at=at,
            subject_id=subject_id,
            actor_id=actor.citizen_id,
            org_id=actor.org_id,
            category=Category.ALLERGIES.value,
            action="read",
            basis=Basis.ARTEFACT,
            artefact_id=artefact_id,
            outcome="permit",
            request_id=uuid.uuid4().hex,
        )
    )
    db.session.flush()


def test_a_use_exactly_one_window_ago_no_longer_counts(
    client, parties, citizen, clinic_actor
):
    artefact = _allergies_artefact(
        client, parties, citizen, frequency_limit=1, frequency_unit="hour"
    )
    now = utcnow()
    _used(artefact, clinic_actor, citizen(AN).id, now - timedelta(hours=1))

    decision = policies.decide(
        clinic_actor, citizen(AN).id, Category.ALLERGIES, at=now, action="read"
    )
    assert decision.allowed, decision.reason


@pytest.mark.parametrize(
    ("used_ago", "retry_after"),
    [
        (timedelta(minutes=10), 3000),  # the use frees in 50 minutes
        (timedelta(minutes=59, seconds=59.5), 1),  # in half a second: still 1
    ],
)
def test_retry_after_is_the_time_until_the_oldest_use_leaves_the_window(
    client, parties, citizen, clinic_actor, used_ago, retry_after
):
    artefact = _allergies_artefact(
        client, parties, citizen, frequency_limit=1, frequency_unit="hour"
    )
    now = utcnow()
    _used(artefact, clinic_actor, citizen(AN).id, now - used_ago)

    decision = policies.decide(
        clinic_actor, citizen(AN).id, Category.ALLERGIES, at=now, action="read"
    )
    assert (decision.reason, decision.retry_after) == (
        "frequency-exceeded",
        retry_after,
    )


def test_uses_of_another_consent_do_not_count_against_this_one(
    client, parties, citizen, clinic_actor
):
    """The clinic's unlimited consent to An's identity is used; its limited one is not."""
    unlimited = grant(client, parties, citizen(AN).id)  # identity_basic, no limit
    _used(uuid.UUID(unlimited["id"]), clinic_actor, citizen(AN).id, utcnow())
    _allergies_artefact(
        client, parties, citizen, frequency_limit=1, frequency_unit="hour"
    )

    decision = policies.decide(
        clinic_actor, citizen(AN).id, Category.ALLERGIES, action="read"
    )
    assert decision.allowed, decision.reason


def test_reading_again_in_the_same_request_is_not_another_use(
    app, client, parties, citizen, clinic_actor
):
    """A request that reads two categories (committing in between) uses it once."""
    _allergies_artefact(
        client, parties, citizen, frequency_limit=1, frequency_unit="hour"
    )
    an = citizen(AN).id
    with app.test_request_context():
        g.request_id = "one-request"
        for category in (Category.ALLERGIES, Category.IDENTITY_BASIC):
            with unit_of_work.transaction():
                assert policies.authorize_read(clinic_actor, an, category).allowed
    assert [e.request_id for e in events(an)] == ["one-request"] * 2


def test_the_agencys_read_of_reused_data_is_logged_as_a_read_on_the_dossier(
    citizen, organisation
):
    officer = Actor(
        citizen_id=citizen(PHUC).id, org_id=organisation(WARD).id, role="officer"
    )
    an = citizen(AN).id
    with unit_of_work.transaction():
        policies.authorize_reuse(officer, an, Category.IDENTITY_BASIC, officer.org_id)
    last = events(an)[-1]
    assert (last.action, last.basis, last.outcome) == ("read", Basis.DOSSIER, "permit")


def test_an_ended_membership_vetoes_the_agencys_reuse(citizen, organisation):
    """The token dies with the membership first; the policy vetoes all the same."""
    phuc = citizen(PHUC)
    officer = Actor(citizen_id=phuc.id, org_id=organisation(WARD).id, role="officer")
    for membership in phuc.memberships:
        membership.ended_at = utcnow()
    db.session.flush()
    an = citizen(AN).id

    with pytest.raises(policies.ConsentRequired) as refused, unit_of_work.transaction():
        policies.authorize_reuse(officer, an, Category.IDENTITY_BASIC, officer.org_id)
    assert refused.value.extra == {"reason": "membership-ended"}
    last = events(an)[-1]
    assert (last.outcome, last.reason) == ("deny", "membership-ended")


def test_another_organisation_gets_no_basis_from_someone_elses_dossier(
    citizen, organisation, clinic_actor
):
    """Only the agency handling the dossier reads on its basis; the clinic needs consent."""
    an = citizen(AN).id
    with pytest.raises(policies.ConsentRequired), unit_of_work.transaction():
        policies.authorize_reuse(
            clinic_actor, an, Category.IDENTITY_BASIC, organisation(WARD).id
        )
    last = events(an)[-1]
    assert (last.org_id, last.outcome, last.basis) == (
        clinic_actor.org_id,
        "deny",
        Basis.NONE,
    )


def test_a_stored_limit_without_its_unit_limits_nothing(
    client, parties, citizen, clinic_actor
):
    """The API never stores half a limit (422); a row that has one is not a 500."""
    artefact = _allergies_artefact(client, parties, citizen)
    db.session.execute(
        sa.update(ConsentArtefact)
        .where(ConsentArtefact.id == artefact)
        .values(frequency_limit=1, frequency_unit=None)
    )
    _used(artefact, clinic_actor, citizen(AN).id, utcnow())

    decision = policies.decide(
        clinic_actor, citizen(AN).id, Category.ALLERGIES, action="read"
    )
    assert decision.allowed, decision.reason


def test_an_identity_read_is_logged_as_a_read(client, parties, citizen):
    an = citizen(AN).id
    grant(client, parties, an)
    response = client.get(f"/api/v1/citizens/{an}?view=basic", headers=parties.clinic())

    assert response.status_code == 200
    last = events(an)[-1]
    assert (last.action, last.outcome, last.basis) == ("read", "permit", Basis.ARTEFACT)


def test_authorize_read_decides_at_the_instant_it_is_given(
    client, parties, citizen, clinic_actor
):
    an = citizen(AN).id
    artefact = grant(client, parties, an)
    after_expiry = datetime.fromisoformat(artefact["valid_until"]) + timedelta(days=1)

    with pytest.raises(policies.ConsentRequired) as refused, unit_of_work.transaction():
        policies.authorize_read(
            clinic_actor, an, Category.IDENTITY_BASIC, at=after_expiry
        )
    assert refused.value.extra == {"reason": "artefact-expired"}


def test_of_two_consents_that_both_permit_the_newest_decides(
    client, parties, citizen, clinic_actor
):
    """Its period is the one the read is narrowed to, and the one logged."""
    an = citizen(AN).id
    grant(client, parties, an, data_from="2020-01-01", data_to="2024-12-31")
    newest = grant(client, parties, an, data_from="2023-01-01", data_to="2023-12-31")

    decision = policies.decide(clinic_actor, an, Category.IDENTITY_BASIC, action="read")
    assert decision.artefact is not None
    assert str(decision.artefact.id) == newest["id"]
    assert decision.data_period == (date(2023, 1, 1), date(2023, 12, 31))


def test_an_emergency_window_permits_only_from_its_opening_until_it_expires(
    citizen, clinic_actor
):
    an = citizen(AN).id
    opened = utcnow()
    db.session.add(
        EmergencyAccess(
            subject_id=an,
            org_id=clinic_actor.org_id,
            actor_id=clinic_actor.citizen_id,
            reason="Bất tỉnh",
            opened_at=opened,
            expires_at=opened + timedelta(minutes=30),
        )
    )
    db.session.flush()
    summary = Category.EMERGENCY_SUMMARY

    assert policies.decide(clinic_actor, an, summary, at=opened, action="read").allowed
    before = policies.decide(
        clinic_actor, an, summary, at=opened - timedelta(1), action="read"
    )
    assert not before.allowed
    closing = opened + timedelta(minutes=30)  # its expires_at: closed from then on
    assert not policies.decide(
        clinic_actor, an, summary, at=closing, action="read"
    ).allowed


def test_a_consent_to_one_citizen_opens_no_other(client, parties, citizen):
    grant(client, parties, citizen(AN).id)
    hai = citizen(HAI).id

    refused = client.get(f"/api/v1/citizens/{hai}?view=basic", headers=parties.clinic())

    assert_problem(refused, 403, "consent-required")
    assert [(e.outcome, e.reason) for e in events(hai)] == [("deny", "no-artefact")]
