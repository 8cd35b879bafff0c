"""The single use of a share code rests on its guarded UPDATE, not on what was read.

A second clinic that loaded the code before the first clinic's redemption committed
still sees it unredeemed; its redemption must fail on the UPDATE's guard. This
plays that interleaving deterministically, on any database (the live race of
``tests/test_races.py`` only hits it by chance).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from consent import share_codes
from consent.models import ConsentArtefact, ShareCode
from identity.models import Role
from tests import factories
from tests.demo_ids import AN, CLINIC


def test_a_redeemer_holding_a_stale_row_fails_and_one_artefact_exists(
    client, parties, citizen
):
    second = factories.clinic()
    second_doctor = factories.staff(second, Role.DOCTOR)
    created = client.post(
        "/api/v1/share-codes",
        json={"categories": ["allergies"]},
        headers=parties.stepped_up(AN),
    )
    code = created.get_json()["code"]
    stale = db.session.scalar(
        sa.select(ShareCode).where(ShareCode.subject_id == citizen(AN).id)
    )

    first = client.post(f"/api/v1/share-codes/{code}/redeem", headers=parties.clinic())
    assert first.status_code == 201, first.get_json()
    # The second clinic's session loaded the row before that commit: to it, the code
    # is unredeemed (the test client shares this session, so put that snapshot back).
    set_committed_value(stale, "redeemed_at", None)
    set_committed_value(stale, "redeemed_by_org_id", None)

    with pytest.raises(share_codes.ShareCodeInvalid):
        share_codes.redeem(factories.acting(second_doctor, second, Role.DOCTOR), code)

    artefacts = db.session.execute(
        sa.select(ConsentArtefact.id, ConsentArtefact.grantee_org_id).where(
            ConsentArtefact.share_code_id == stale.id
        )
    ).all()
    assert [org for _, org in artefacts] == [parties.organisation(CLINIC).id]
    assert [str(artefact_id) for artefact_id, _ in artefacts] == [
        first.get_json()["id"]
    ]
    redeemed_by = db.session.scalar(
        sa.select(ShareCode.redeemed_by_org_id).where(ShareCode.id == stale.id)
    )
    assert redeemed_by == parties.organisation(CLINIC).id
