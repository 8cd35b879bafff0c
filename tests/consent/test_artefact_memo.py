"""The artefact rule reads an organisation's artefacts once per request (a health
book summary decides seven categories on the same rows), and keeps them apart by
organisation and subject: a request that reads two people must not decide the
second on the first one's consent (found by mutation testing: a memo keyed by
nothing passed every other test)."""

from __future__ import annotations

from app.db import utcnow
from consent.artefact_rule import artefact_rule
from consent.decisions import Effect
from consent.vocabulary import Category
from identity.models import Role
from tests import factories


def test_two_people_read_in_one_request_are_decided_on_their_own_consents(app):
    clinic = factories.clinic()
    doctor = factories.staff(clinic, Role.DOCTOR)
    consenting, other = factories.citizen(), factories.citizen()
    factories.consent(consenting, grantee=clinic, asked_by=doctor)
    actor = factories.acting(doctor, clinic, Role.DOCTOR)
    with app.test_request_context("/"):
        first = artefact_rule(
            actor, consenting.id, Category.IDENTITY_BASIC, utcnow(), "read", None
        )
        second = artefact_rule(
            actor, other.id, Category.IDENTITY_BASIC, utcnow(), "read", None
        )
    assert first.effect == Effect.PERMIT
    assert second.effect == Effect.NOT_APPLICABLE
    assert second.reason == "no-artefact"
