"""Every route, called with an act-as token whose membership has since ended.

Issue 11, finding 6: a teacher's token outlived his membership and could still ask
citizens for consent, list artefacts and redeem share codes in the school's name.
The live membership is now checked once for every request that acts for an
organisation; this walks the whole URL map to prove that no route escapes it.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import i18n
from app.db import utcnow
from app.extensions import db
from identity.models import Membership
from tests.problems import assert_georeport_errors, assert_problem
from tests.test_authorization_matrix import (  # noqa: F401 - the world fixture
    MATRIX,
    _call,
    rolled_back,
    world,
)

#: One staff member of each kind of organisation covers every organisation route.
FORMER_STAFF = ("clinic", "teacher", "principal", "officer", "analyst")


@pytest.mark.slow  # every organisation route as five former staff
def test_an_ended_membership_closes_every_route(app, client, world):  # noqa: F811
    failures = []
    # Public routes (discovery, keys, the catalogue) act for no one and read no token.
    for route in sorted(
        r for r, rule in MATRIX.items() if "anonymous" not in rule.allowed
    ):
        for persona in FORMER_STAFF:
            with rolled_back(), app.app_context():
                db.session.execute(
                    sa.update(Membership)
                    .where(Membership.citizen_id == world.ids["me"][persona])
                    .values(ended_at=utcnow())
                )
                response = _call(client, route, world, persona)
                try:
                    if " /open311/v2/" in route:
                        # The same refusal, in Open311 GeoReport's shape.
                        ended = i18n.translate("membership-ended.detail")
                        assert assert_georeport_errors(response, 403) == {"": [ended]}
                    else:
                        assert_problem(response, 403, "membership-ended")
                except AssertionError:
                    failures.append(
                        f"{route} as former {persona}: {response.status_code}"
                    )
    assert failures == [], "\n" + "\n".join(failures)
