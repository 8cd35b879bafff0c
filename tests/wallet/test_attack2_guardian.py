"""A guardian's copy outlives a guardianship the register ended before 14."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from identity.models import Guardianship
from tests.demo_ids import AN, BINH
from tests.wallet.test_attack_presentation import _outcome
from wallet.holder import WalletError
from wallet.records import identifier
from wallet.types import BHYT


def test_a_former_guardians_copy_is_not_accepted(
    holder, make_offer, citizen, cards_in_force, clinic_ask
):
    binh = citizen(BINH)
    offer = make_offer(identifier(BHYT, binh.id)).get_json()
    holder.accept_offer(offer["deep_link"], offer["tx_code"])
    # The register ends An's guardianship (custody to someone else); Bình is 12.
    db.session.execute(
        sa.delete(Guardianship).where(
            Guardianship.guardian_id == citizen(AN).id, Guardianship.ward_id == binh.id
        )
    )
    db.session.flush()
    made = clinic_ask([["full_name"], ["bhyt_number"]])
    with pytest.raises(WalletError, match="400"):
        holder.present(made["request_link"])
    found = _outcome(made)
    assert found.outcome == "rejected"
    assert found.result == {"reason": "guardianship-ended"}
