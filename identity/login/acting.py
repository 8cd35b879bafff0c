"""Acting for an organisation holds only while the role does, on every request.

An ``act-as`` token names an organisation and a role. Whether the citizen still
holds that role there (membership not ended, organisation still registered) is
checked here, once, for every request that presents such a token, whatever route
it reaches: ending a membership takes effect on the very next request, as a
revocation does, and no route can forget the check. The consent policy asks the
same question through :func:`identity.services.holds_role` (one query per
request between them).
"""

from __future__ import annotations

import uuid
from typing import Any

from werkzeug.wrappers import Response as BaseResponse

from app.errors import Forbidden, render_http_exception
from app.extensions import jwt
from app.i18n import add_messages
from identity.services import holds_role

add_messages(
    {
        "membership-ended.title": (
            "Vai trò tại tổ chức đã kết thúc",
            "Role at the organisation has ended",
        ),
        "membership-ended.detail": (
            "Bạn không còn giữ vai trò này tại tổ chức; hãy chọn lại tổ chức để nhận mã mới.",
            "You no longer hold this role at the organisation; choose an organisation "
            "again to get a new token.",
        ),
    }
)


class MembershipEnded(Forbidden):
    slug = "membership-ended"


@jwt.token_verification_loader
def _role_still_held(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
    org = payload.get("org")
    if org is None:
        return True
    try:
        citizen_id, org_id = uuid.UUID(payload["sub"]), uuid.UUID(org)
    except (KeyError, TypeError, ValueError):
        return False
    return holds_role(citizen_id, org_id, payload.get("role"))


@jwt.token_verification_failed_loader
def _role_ended(_header: dict[str, Any], _payload: dict[str, Any]) -> BaseResponse:
    return render_http_exception(MembershipEnded())
