"""HTTP API of the login: ``/api/v1/auth/*``, ``/api/v1/me`` and the browser callback."""

from __future__ import annotations

import functools
from typing import Any

from flask import Response, jsonify
from flask.views import MethodView

from app import audit, unit_of_work
from app.auth import BEARER, Actor, auth_required, current_actor
from app.blueprint import Blueprint
from app.errors import Conflict, Forbidden, Problem, ValidationFailed
from app.extensions import db
from identity import services, totp
from identity.login import (
    logout,
    relying_party,
    texts,  # noqa: F401 - registers the messages
    tokens,
)
from identity.login.models import TokenFamily
from identity.login.schemas import (
    ActAsSchema,
    BackchannelLogoutSchema,
    LoginFinishSchema,
    LoginStartedSchema,
    LoginStartSchema,
    MeSchema,
    OAuthErrorSchema,
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
    def post(self, data: dict[str, Any]) -> relying_party.LoginStarted:
        """Start a VNeID login: get the URL to open in the system browser.

        The phone makes a PKCE verifier, keeps it, and sends its S256
        ``code_challenge``; it sends the verifier itself to finish the login.
        """
        if data["redirect_uri"] not in relying_party.allowed_redirect_uris():
            raise ValidationFailed(errors={"redirect_uri": [REDIRECT_NOT_ALLOWED]})
        return relying_party.start(
            data["redirect_uri"],
            data["code_challenge"],
            data["acr_values"],
            data["max_age"],
            data["prompt"],
        )


@blp.route("/auth/vneid")
class LoginFinish(MethodView):
    @blp.arguments(LoginFinishSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(502, response="BAD_GATEWAY")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Finish a VNeID login with the code, state and the phone's PKCE verifier."""
        login_state = relying_party.consume_state(data["state"], data["code_verifier"])
        # The state's single use holds whatever follows, and the provider (in-process
        # in development) redeems the code in a transaction of its own.
        unit_of_work.checkpoint()
        claims, userinfo, id_token = relying_party.redeem(
            data["code"], login_state, data["code_verifier"]
        )
        login = relying_party.link_citizen(claims, userinfo, id_token)
        return tokens.start_session(
            login.citizen,
            acr=login.acr,
            auth_time=login.auth_time,
            provider_sid=login.sid,
            provider_id_token=login.id_token,
        )


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Exchange a refresh token for a new pair (a reused one revokes them all)."""
        return tokens.rotate(data["refresh_token"])


@blp.route("/auth/logout")
class Logout(MethodView):
    @auth_required
    @blp.response(204)
    @blp.doc(security=BEARER)
    def post(self) -> None:
        """Revoke this login: every token of its family stops working at once.

        The VNeID session of the login ends too (RP-initiated logout with the
        login's ID token), which revokes its grants at VNeID.
        """
        actor = current_actor()
        if actor.family_id is None:
            return
        tokens.revoke_family(actor.family_id, "logout")
        family = db.session.get(TokenFamily, actor.family_id)
        if family is not None and family.provider_id_token:
            # Once committed: the provider's back-channel logout comes back to this
            # API in a transaction of its own (in-process in development).
            unit_of_work.after_commit(
                functools.partial(
                    _end_provider_session, family.provider_id_token, actor
                )
            )


def _end_provider_session(id_token: str, actor: Actor) -> None:
    ended = logout.end_provider_session(id_token)
    audit.record(
        "api.logout.provider",
        "success" if ended else "failure",
        actor_id=actor.citizen_id,
        details={"family": str(actor.family_id)},
    )


@blp.route("/auth/vneid/backchannel-logout")
class BackchannelLogout(MethodView):
    @blp.arguments(BackchannelLogoutSchema, location="form")
    @blp.response(200)
    @blp.alt_response(
        400,
        description="The logout token is refused (OpenID Connect Back-Channel "
        "Logout 1.0 §2.8): an OAuth error body, not a problem.",
        content_type="application/json",
        schema=OAuthErrorSchema,
    )
    @blp.doc(security=[])
    def post(self, data: dict[str, Any]) -> Response:
        """VNeID tells the API a login ended: revoke the API's tokens of it.

        The logout token is verified as OpenID Connect Back-Channel Logout 1.0
        §2.6 requires; every token family of the provider session it names (or of
        its subject) is revoked.
        """
        try:
            if not data["logout_token"]:
                raise logout.LogoutTokenError("no logout_token")
            ended = logout.verify_logout_token(data["logout_token"])
        except logout.LogoutTokenError as error:
            audit.record(
                "api.backchannel_logout", "failure", details={"reason": str(error)}
            )
            return _backchannel_answer(400, str(error))
        revoked = tokens.revoke_provider_logins(
            "backchannel logout", sid=ended.sid, citizen_id=ended.citizen_id
        )
        audit.record(
            "api.backchannel_logout",
            "success",
            actor_id=ended.citizen_id,
            details={"sid": ended.sid, "families": revoked},
        )
        return _backchannel_answer(200)


def _backchannel_answer(status: int, description: str | None = None) -> Response:
    body: dict[str, str] = {}
    if description is not None:
        body = {"error": "invalid_request", "error_description": description}
    response = jsonify(body) if body else Response(status=status)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


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
        return tokens.act_as(actor, memberships[0])


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
        return enrolment


@blp.route("/auth/totp/enrolment/confirm")
class TotpConfirm(MethodView):
    @auth_required
    @blp.arguments(TotpCodeSchema)
    @blp.response(200, RecoveryCodesSchema)
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> totp.RecoveryCodes:
        """Confirm the authenticator app with its first code; get recovery codes."""
        codes = totp.confirm_enrolment(current_actor().citizen_id, data["code"])
        if codes is None:
            raise TotpCodeRejected()
        return codes


@blp.route("/me")
class Me(MethodView):
    @auth_required
    @blp.response(200, MeSchema)
    @blp.doc(security=BEARER)
    def get(self) -> services.Me:
        """Read who I am: profile, roles, the children I act for, my acting role."""
        return services.who_am_i(current_actor())
