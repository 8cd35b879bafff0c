"""HTTP API of the login: ``/api/v1/auth/*``, ``/api/v1/me`` and the browser callback."""

from __future__ import annotations

import functools
from typing import Any

from flask import Response, jsonify
from flask.views import MethodView

from app import audit, i18n, unit_of_work
from app.auth import (
    BEARER,
    Actor,
    auth_required,
    current_actor,
    require_proof_key,
    step_up_required,
)
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
    CrossDeviceLoginSchema,
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
from identity.vneid import claims_request, cross_device

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
    @blp.alt_response(502, response="BAD_GATEWAY")
    def post(self, data: dict[str, Any]) -> relying_party.LoginStarted:
        """Start a VNeID login: get the URL to open in the system browser.

        The phone makes a PKCE verifier, keeps it, and sends its S256
        ``code_challenge``; it sends the verifier itself to finish the login. No
        token is needed. ``redirect_uri`` must be the app's registered URI or this
        server's ``/callback``, else 422. The API keeps the challenge and a nonce
        for ten minutes under ``state``, and passes ``acr_values``, ``max_age`` and
        ``prompt`` on to VNeID (``urn:vneid:loa:2`` for a step-up). 502
        ``identity-provider-unavailable`` when VNeID cannot be reached.
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
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(502, response="BAD_GATEWAY")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Finish a VNeID login with the code, state and the phone's PKCE verifier.

        No token is needed. The verifier is checked before ``state`` is spent: a
        wrong one is 400 ``code-verifier-mismatch`` and leaves the login usable. A
        state works once, within ten minutes (else 400 ``login-state-invalid``), and
        is spent even if the code then fails. A first login links the VNeID subject
        to the register entry with the same national id. 400 ``login-failed``: code
        or ID token refused; 403 ``account-not-linkable``: not in the register; 502:
        VNeID unreachable. Success opens a new token family and is audited.

        Send a ``DPoP`` proof (RFC 9449) of a key the phone made for this login:
        every token of the login is bound to it (``token_type: DPoP``) and works
        only with a fresh proof of it. Without one, 400 ``dpop-proof-required``
        (unless ``API_BEARER_TOKENS_ALLOWED`` lets older apps have bearer tokens);
        a proof that does not hold is 401 ``invalid-dpop-proof``. Neither spends
        the state.
        """
        jkt = require_proof_key()
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
            dpop_jkt=jkt,
        )


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Exchange a refresh token for a new pair (a reused one revokes them all).

        No bearer token: the refresh token is the credential, and each works once.
        Presenting a used one is 401 ``refresh-token-reused`` and revokes the whole
        login (every access, acting and refresh token of its family), so the
        citizen must log in again. The new access token keeps the login's ``acr``
        and ``auth_time``: refreshing does not renew a step-up. 401
        ``invalid-token`` for a malformed, expired, revoked or non-refresh token,
        or one of a DPoP-bound login without a proof of its key (which spends
        nothing).
        """
        return tokens.rotate(data["refresh_token"], require_proof_key())


@blp.route("/auth/logout")
class Logout(MethodView):
    @auth_required
    @blp.response(204)
    @blp.doc(security=BEARER)
    def post(self) -> None:
        """Revoke this login: every token of its family stops working at once.

        Any signed-in citizen, with any token of the login (an ``act-as`` token
        too); the answer is 204. The VNeID session of the login ends too
        (RP-initiated logout with the login's ID token), which revokes its grants
        at VNeID. That call is made once the revocation is committed: if VNeID
        cannot be reached, the API's tokens stay revoked and the failure is
        audited.
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

        Called by VNeID, not by the app: no bearer token, a form-encoded
        ``logout_token``. The logout token is verified as OpenID Connect
        Back-Channel Logout 1.0 §2.6 requires, and its ``jti`` works once; every
        token family of the provider session it names (or of its subject) is
        revoked. A missing or refused token is 400 with an OAuth error body
        (``invalid_request``), not a problem; success is an empty 200, both
        ``no-store`` and audited. Anything else wrong with the request (an empty
        or over-long token, another field, a body that is not a form) is the same
        400; when VNeID's keys cannot be read, 502 with ``server_error``.
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


def _backchannel_answer(
    status: int, description: str | None = None, error: str = "invalid_request"
) -> Response:
    body: dict[str, str] = {}
    if description is not None:
        body = {"error": error, "error_description": description}
    response = jsonify(body) if body else Response(status=status)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def backchannel_refusal(status: int, problem: dict[str, Any]) -> Response:
    """Any refusal of a back-channel logout request in the spec's shape (§2.8): an
    OAuth error body, never a problem (the provider is the only caller, and it reads
    OAuth errors); a request whose body is wrong is a 400 ``invalid_request``."""
    fields = problem.get("errors") or {}
    description = "; ".join(
        f"{field}: {message}"
        for field, messages in fields.items()
        for message in messages
    ) or str(problem.get("detail") or problem["title"])
    if status >= 500:
        return _backchannel_answer(status, description, "server_error")
    # A body that fails validation is the spec's 400; a wrong method stays 405.
    return _backchannel_answer(400 if status == 422 else status, description)


@blp.route("/auth/act-as")
class ActAs(MethodView):
    @auth_required
    @blp.arguments(ActAsSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Get an access token acting for an organisation where I hold a role.

        Any signed-in citizen. They need an active role in ``org_id`` (of ``role``,
        if sent), else 403 ``membership-required``; holding several there without
        sending ``role`` is 422 ``role-ambiguous``, which lists them. The answer is
        an access token only, no refresh token: it names ``org`` and ``role``,
        keeps the login's ``acr`` and ``auth_time``, and belongs to the login's
        family, so logging out revokes it. Call again when it expires. Audited.
        """
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
        """Start adding an authenticator app (TOTP) to my account.

        Any signed-in citizen, for their own account. Returns a new 160-bit secret,
        its ``otpauth://`` URI and a QR code (SVG); nothing is in force until
        confirmed, and starting again replaces an unconfirmed secret. 409
        ``totp-already-enrolled`` once an app is confirmed. The app becomes the
        second factor of the VNeID login, which a level-2 account needs to reach
        ``urn:vneid:loa:2``.
        """
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
        """Confirm the authenticator app with its first code; get recovery codes.

        Any signed-in citizen who started an enrolment. The six-digit code is
        accepted one 30-second step either side of now, and a step once used is
        not accepted again. Returns ten single-use recovery codes, shown only this
        once (kept as hashes), each usable instead of a code at the VNeID login.
        422 ``totp-code-rejected`` when the code is wrong or reused, nothing is
        pending, or the app is already confirmed.
        """
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
        """Read who I am: profile, roles, the children I act for, my acting role.

        Any signed-in citizen, with a personal or an ``act-as`` token.
        ``memberships`` holds only active roles and ``children`` every child under
        14 the caller acts for (not paged; ``/citizens/me/dependants`` pages them).
        ``acting`` names the token's organisation and role (both null on a
        personal token) and ``acr`` the login's assurance level, so the app can
        tell whether a step-up login is needed.
        """
        return services.who_am_i(current_actor())


def _cross_device_view(row: Any, user_code: str) -> dict[str, Any]:
    index = 0 if i18n.current_language() == "vi" else 1
    return {
        "user_code": cross_device.formatted(cross_device.normalized(user_code)),
        "client_name": cross_device.client_name(row),
        "claims": [
            {"claim": claim, "label": claims_request.label(claim, index)}
            for claim in row.claims
            if claims_request.known(claim)
        ],
        "browser": {"address": row.browser_address, "user_agent": row.browser_agent},
        "requested_at": row.created_at,
        "expires_at": row.expires_at,
        "status": cross_device.status(row).value,
    }


@blp.route("/auth/cross-device/<string:user_code>")
class CrossDeviceLogin(MethodView):
    @auth_required
    @blp.response(200, CrossDeviceLoginSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(security=BEARER)
    def get(self, user_code: str) -> dict[str, Any]:
        """See a QR login waiting on a computer before approving it.

        The phone scanned the QR code (or the person typed its eight letters,
        with or without the dash). Answers which service asks, the information it
        asks for, the asking browser's address and user agent, and when the code
        was made and expires, so the person can tell their own computer from
        someone else's. A citizen's own token only (403 when acting for an
        organisation). 404 ``cross-device-login-not-found`` for an unknown code;
        wrong codes are throttled like passwords (429 with ``Retry-After``).
        """
        row = cross_device.find_for_phone(current_actor(), user_code)
        return _cross_device_view(row, user_code)


@blp.route("/auth/cross-device/<string:user_code>/approve")
class CrossDeviceApprove(MethodView):
    @step_up_required
    @blp.response(200, CrossDeviceLoginSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(410, response="GONE")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(security=BEARER)
    def post(self, user_code: str) -> dict[str, Any]:
        """Approve a QR login: the computer that shows the code signs in as me.

        Needs a level-2 login within the last 5 minutes (else 401 with the
        step-up challenge: log in again with ``acr_values`` and ``max_age``).
        The browser that asked is then signed in at level 2, once, to the
        service shown and no other, as of my own login (its ``auth_time``). A code is
        decided once (409 ``cross-device-login-decided``), within its two minutes
        (410 ``cross-device-login-expired``). Audited.
        """
        row = cross_device.decide(current_actor(), user_code, approve=True)
        return _cross_device_view(row, user_code)


@blp.route("/auth/cross-device/<string:user_code>/deny")
class CrossDeviceDeny(MethodView):
    @auth_required
    @blp.response(200, CrossDeviceLoginSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(410, response="GONE")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(security=BEARER)
    def post(self, user_code: str) -> dict[str, Any]:
        """Decline a QR login I did not start; the computer is told so.

        Any login of the citizen will do: declining needs no step-up. The same
        rules of once and two minutes as approving. Audited.
        """
        row = cross_device.decide(current_actor(), user_code, approve=False)
        return _cross_device_view(row, user_code)
