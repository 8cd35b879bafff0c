"""Single uses in login rest on their guarded UPDATE, not on the row read before it.

A request that read a login state or a refresh token just before another request
spent it still sees it unspent; only the UPDATE's ``… IS NULL`` guard stops it.
Each test spends the thing once, puts the pre-commit snapshot back on the row this
session holds (the in-process clients share the test's session), and spends it
again: exactly what a concurrent request would do, on any database.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from identity.login import relying_party
from identity.login.models import LoginState
from identity.vneid.models import ProviderToken, digest
from tests.demo_ids import PHUC
from tests.identity.oidc import CONGDAN_APP
from tests.identity.test_api_login import finish_login, start_login
from tests.identity.test_vneid_flow import complete_flow
from tests.problems import assert_problem


def test_a_login_state_read_before_it_was_spent_is_refused(client):
    started = start_login(client)
    row = db.session.get(LoginState, started["state"])
    spent = finish_login(
        client, {"code": "forged", "state": started["state"]}, started["code_verifier"]
    )
    assert_problem(spent, 400, "login-failed")  # the state was spent first
    set_committed_value(row, "used_at", None)

    with pytest.raises(relying_party.LoginStateInvalid):
        relying_party.consume_state(started["state"], started["code_verifier"])


def test_a_provider_refresh_token_read_before_it_was_spent_revokes_the_family(app):
    token, _, rp = complete_flow(app, national_id=PHUC)
    row = db.session.scalar(
        sa.select(ProviderToken).where(
            ProviderToken.refresh_digest == digest(token["refresh_token"])
        )
    )
    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    first = rp.post(
        "http://localhost/vneid/token",
        data=refresh,
        auth=(CONGDAN_APP, rp.client_secret),
    )
    assert first.status_code == 200, first.text
    set_committed_value(row, "refresh_used_at", None)
    set_committed_value(row, "revoked_at", None)

    second = rp.post(
        "http://localhost/vneid/token",
        data=refresh,
        auth=(CONGDAN_APP, rp.client_secret),
    )

    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    family = db.session.scalars(
        sa.select(ProviderToken)
        .where(ProviderToken.family_id == row.family_id)
        .execution_options(populate_existing=True)
    ).all()
    assert len(family) == 2  # the original and the one rotation that won
    assert all(member.revoked_at is not None for member in family)
