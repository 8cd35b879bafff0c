"""HTTP API of the login: ``/api/v1/auth/*``, ``/api/v1/me`` and the browser callback."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template_string, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth import BEARER, auth_required, current_actor
from app.db import utcnow
from app.errors import Conflict, Forbidden, Problem, ValidationFailed
from app.extensions import db
from identity import services, totp
from identity.login import (
    relying_party,
    texts,  # noqa: F401 - registers the messages
    tokens,
)
from identity.login.schemas import (
    ActAsSchema,
    LoginFinishSchema,
    LoginStartedSchema,
    LoginStartSchema,
    MeSchema,
    RecoveryCodesSchema,
    RefreshSchema,
    TokenPairSchema,
    TotpCodeSchema,
    TotpEnrolmentSchema,
)

blp = Blueprint(
    "auth",
    __name__,
    url_prefix="/api/v1",
    description="Login with VNeID and the API's tokens.",
)

REDIRECT_NOT_ALLOWED = "This redirect URI is not registered for the CongDan app."


class MembershipRequired(Forbidden):
    slug = "membership-required"


class RoleAmbiguous(Problem):
    code, slug = 422, "role-ambiguous"


class TotpAlreadyEnrolled(Conflict):
    slug = "totp-already-enrolled"


class TotpCodeRejected(Problem):
    code, slug = 422, "totp-code-rejected"


@blp.route("/auth/vneid/start")
class LoginStart(MethodView):
    @blp.arguments(LoginStartSchema)
    @blp.response(200, LoginStartedSchema)
    def post(self, data: dict[str, Any]) -> dict[str, str]:
        """Start a VNeID login: get the URL to open in the system browser."""
        if data["redirect_uri"] not in relying_party.allowed_redirect_uris():
            raise ValidationFailed(errors={"redirect_uri": [REDIRECT_NOT_ALLOWED]})
        url, state = relying_party.start(
            data["redirect_uri"], data["acr_values"], data["max_age"], data["prompt"]
        )
        db.session.commit()
        return {"authorization_url": url, "state": state}


@blp.route("/auth/vneid")
class LoginFinish(MethodView):
    @blp.arguments(LoginFinishSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(502, response="BAD_GATEWAY")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Finish a VNeID login with the code and state; get the API's tokens."""
        login_state = relying_party.consume_state(data["state"])
        # Commit the single use of the state before calling the provider: the
        # exchange runs in its own transaction (in-process in development).
        db.session.commit()
        claims, userinfo = relying_party.redeem(data["code"], login_state)
        login = relying_party.link_citizen(claims, userinfo)
        pair = tokens.start_session(
            login.citizen, acr=login.acr, auth_time=login.auth_time
        )
        db.session.commit()
        return pair


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Exchange a refresh token for a new pair (a reused one revokes them all)."""
        try:
            pair = tokens.rotate(data["refresh_token"])
        except tokens.RefreshTokenReused:
            db.session.commit()  # keep the family's revocation
            raise
        db.session.commit()
        return pair


@blp.route("/auth/logout")
class Logout(MethodView):
    @auth_required
    @blp.response(204)
    @blp.doc(security=BEARER)
    def post(self) -> None:
        """Revoke this login: every token of its family stops working at once."""
        family = current_actor().family_id
        if family is not None:
            tokens.revoke_family(family, "logout")
        db.session.commit()


@blp.route("/auth/act-as")
class ActAs(MethodView):
    @auth_required
    @blp.arguments(ActAsSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Get an access token acting for an organisation where I hold a role."""
        actor = current_actor()
        memberships = services.active_memberships(
            actor.citizen_id, data["org_id"], data["role"]
        )
        if not memberships:
            raise MembershipRequired()
        if len(memberships) > 1:
            raise RoleAmbiguous(
                errors={
                    "role": [
                        "Choose one of: "
                        + ", ".join(m.role.value for m in memberships)
                        + "."
                    ]
                }
            )
        pair = tokens.act_as(actor, memberships[0])
        db.session.commit()
        return pair


@blp.route("/auth/totp/enrolment")
class TotpEnrolment(MethodView):
    @auth_required
    @blp.response(201, TotpEnrolmentSchema)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(security=BEARER)
    def post(self) -> totp.Enrolment:
        """Start adding an authenticator app (TOTP) to my account."""
        citizen = services.get_citizen(current_actor().citizen_id)
        try:
            enrolment = totp.begin_enrolment(citizen.id, citizen.full_name)
        except totp.AlreadyEnrolledError as error:
            raise TotpAlreadyEnrolled() from error
        db.session.commit()
        return enrolment


@blp.route("/auth/totp/enrolment/confirm")
class TotpConfirm(MethodView):
    @auth_required
    @blp.arguments(TotpCodeSchema)
    @blp.response(200, RecoveryCodesSchema)
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> dict[str, list[str]]:
        """Confirm the authenticator app with its first code; get recovery codes."""
        codes = totp.confirm_enrolment(current_actor().citizen_id, data["code"])
        if codes is None:
            raise TotpCodeRejected()
        db.session.commit()
        return {"recovery_codes": codes}


@blp.route("/me")
class Me(MethodView):
    @auth_required
    @blp.response(200, MeSchema)
    @blp.doc(security=BEARER)
    def get(self) -> dict[str, Any]:
        """Read who I am: profile, roles, the children I act for, my acting role."""
        actor = current_actor()
        citizen = services.get_citizen(actor.citizen_id, with_roles=True)
        return {
            "profile": citizen,
            "memberships": citizen.active_memberships,
            "children": services.all_wards(citizen.id, utcnow().date()),
            "acting": {"org_id": actor.org_id, "role": actor.role},
            "acr": actor.acr,
        }


callback_blp = Blueprint(
    "callback", __name__, description="Browser landing page of the login."
)

_CALLBACK_PAGE = """<!doctype html><html lang="vi"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CongDan</title><body style="font-family:system-ui;max-width:40rem;margin:2rem auto">
<h1>CongDan</h1>
{% if error %}<p>VNeID: <strong>{{ error }}</strong> {{ description }}</p>
{% else %}<p>Mã đăng nhập / authorization code:</p>
<pre id="code">{{ code }}</pre><p>state:</p><pre id="state">{{ state }}</pre>
<p>POST /api/v1/auth/vneid {"code": "…", "state": "…"}</p>{% endif %}</body></html>"""


@callback_blp.route("/callback")
@callback_blp.doc(
    summary="Show the code and state VNeID sent back (for browsers and the README walk-through).",
    responses={
        200: {
            "description": "HTML page",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    },
)
def callback() -> Response:
    html = render_template_string(
        _CALLBACK_PAGE,
        code=request.args.get("code", ""),
        state=request.args.get("state", ""),
        error=request.args.get("error"),
        description=request.args.get("error_description", ""),
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
