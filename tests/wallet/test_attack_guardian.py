"""A guardian's copy of a child's credential (issue 19's attacker review): it is
not issued once the child is 14, it ends when the guardianship does (a verifier
cannot tell who presents it), and its issuance is an export in the child's log."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.date_fields import local_today
from app.extensions import db
from consent.models import AccessEvent
from health_book.models import HealthProfile
from tests.demo_ids import AN, BINH
from wallet.holder import WalletError
from wallet.records import identifier
from wallet.types import BHYT, HOC_BA


@pytest.fixture
def cards_in_force(citizen):
    for who in (AN, BINH):
        profile = db.session.scalar(
            sa.select(HealthProfile).where(
                HealthProfile.citizen_id == citizen(who).id,
                HealthProfile.superseded_at.is_(None),
            )
        )
        profile.bhyt_valid_to = local_today() + timedelta(days=200)
    db.session.flush()


@pytest.mark.parametrize("kind", ["card", "transcript"])
def test_a_guardians_offer_is_not_issued_once_the_child_turns_fourteen(
    holder, make_offer, citizen, cards_in_force, transcript, kind
):
    binh = citizen(BINH)
    ident = (
        identifier(BHYT, binh.id)
        if kind == "card"
        else identifier(HOC_BA, transcript.id)
    )
    offer = make_offer(ident)
    assert offer.status_code == 201, offer.get_json()
    offer = offer.get_json()
    birth = local_today() - timedelta(days=365 * 14 + 10)
    binh.birth_date = birth
    db.session.flush()
    with pytest.raises(WalletError, match="credential_request_denied"):
        holder.accept_offer(offer["deep_link"], offer["tx_code"])


def test_a_guardians_card_credential_is_in_the_childs_access_log(
    holder, make_offer, citizen, cards_in_force
):
    binh = citizen(BINH)
    offer = make_offer(identifier(BHYT, binh.id)).get_json()
    holder.accept_offer(offer["deep_link"], offer["tx_code"])
    logged = db.session.scalars(
        sa.select(AccessEvent).where(
            AccessEvent.subject_id == binh.id, AccessEvent.actor_id == citizen(AN).id
        )
    ).all()
    assert any(e.action == "export" for e in logged)


@pytest.mark.parametrize("kind", ["card", "transcript"])
def test_a_guardians_copy_ends_with_the_guardianship(
    holder, make_offer, citizen, cards_in_force, transcript, kind
):
    """A guardian may hold the child's records only until the child turns 14;
    the credential he gets must not outlive that (the verifier cannot tell who
    presents it)."""
    from datetime import datetime
    from datetime import time as dtime

    from app.date_fields import LOCAL_TIMEZONE

    binh = citizen(BINH)
    today = local_today()
    binh.birth_date = today.replace(year=today.year - 14) + timedelta(
        days=30
    )  # 14 in a month
    db.session.flush()
    ident = (
        identifier(BHYT, binh.id)
        if kind == "card"
        else identifier(HOC_BA, transcript.id)
    )
    offer = make_offer(ident).get_json()
    [added] = holder.accept_offer(offer["deep_link"], offer["tx_code"])
    ends = int(
        datetime.combine(binh.guardianship_ends_on, dtime(), LOCAL_TIMEZONE).timestamp()
    )
    assert "exp" in added.claims
    assert added.claims["exp"] <= ends, kind
