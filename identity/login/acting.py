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

from werkzeug.wrappers import Response as BaseResponse

from app.errors import Forbidden, render_http_exception
from app.extensions import jwt
from identity.policies import holds_role


class MembershipEnded(Forbidden):
    slug = "membership-ended"


def _role_still_held(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
    org = payload.get("org")
    if org is None:
        return True
    try:
        citizen_id, org_id = uuid.UUID(payload["sub"]), uuid.UUID(org)
    except (KeyError, TypeError, ValueError):
        return False
    return holds_role(citizen_id, org_id, payload.get("role"))


def _role_ended(_header: dict[str, Any], _payload: dict[str, Any]) -> BaseResponse:
    return render_http_exception(MembershipEnded())


def init_acting() -> None:
    """Check every act-as token against the live membership (on every request)."""
    jwt.token_verification_loader(_role_still_held)
    jwt.token_verification_failed_loader(_role_ended)
