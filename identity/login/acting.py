"""Acting for an organisation holds only while the role does, on every request.

An ``act-as`` token names an organisation and a role. Whether the citizen still
holds that role there (membership not ended, organisation still registered) is
checked here, once, for every request that presents such a token, whatever route
it reaches: ending a membership takes effect on the very next request, as a
revocation does, and no route can forget the check. The consent policy asks the
same question through :func:`identity.policies.holds_role` (one query per
request between them).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask

from app.auth import add_token_check
from app.errors import Forbidden, Problem
from identity.policies import holds_role


class MembershipEnded(Forbidden):
    slug = "membership-ended"


def _role_still_held(payload: dict[str, Any]) -> Problem | None:
    org = payload.get("org")
    if org is None:
        return None
    try:
        citizen_id, org_id = uuid.UUID(payload["sub"]), uuid.UUID(org)
    except (KeyError, TypeError, ValueError):
        return MembershipEnded()
    if holds_role(citizen_id, org_id, payload.get("role")):
        return None
    return MembershipEnded()


def init_acting(app: Flask) -> None:
    """Check every act-as token against the live membership (on every request)."""
    add_token_check(app, _role_still_held)
