"""The interactive authorization endpoint: sign in, second factor, consent, code.

Every step is served at ``/vneid/authorize`` with the client's original query
string, so each POST re-validates the whole authorization request through Authlib.
Progress lives in the signed session cookie: the provider session id (``sid``), a
password-verified login waiting for its second factor, and which authorization
requests (by a hash of their parameters) already had a fresh login or consent,
so ``prompt=login`` and ``max_age`` are satisfied once and do not loop.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError, InvalidRequestError
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError
from flask import (
    Response,
    current_app,
    make_response,
    render_template,
    request,
    session,
)
from werkzeug.security import check_password_hash, generate_password_hash

from app import audit, i18n, throttle
from app.db import utcnow
from app.extensions import db
from identity import totp
from identity.models import Citizen
from identity.services import find_citizen_by_national_id
from identity.vneid import texts  # noqa: F401 - registers the page texts
from identity.vneid.claims import (
    ACR_VALUES,
    CLAIM_LABELS,
    acr_for,
    can_reach,
    claims_for_scope,
)
from identity.vneid.models import ClaimConsent, LoginSession
from identity.vneid.server import authorization, issuer

SESSION_KEY = "vneid"
LOGIN_ACTION = "vneid.login"
PENDING_LIFETIME = timedelta(minutes=5)
CONSENT_LIFETIME = timedelta(days=365)
_MAX_REMEMBERED_FLOWS = 10
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
}


class UnmetAuthenticationRequirementsError(OAuth2Error):
    """The account cannot authenticate at any of the requested ``acr_values``."""

    error = "unmet_authentication_requirements"


class RequestNotSupportedError(OAuth2Error):
    error = "request_not_supported"


# --- pages ---------------------------------------------------------------


def page_language() -> str:
    """``ui_locales`` when it names a language we have, else ``Accept-Language``."""
    for tag in request.args.get("ui_locales", "").split():
        primary = tag.split("-")[0].lower()
        if primary in i18n.SUPPORTED_LANGUAGES:
            return primary
    return i18n.current_language()


def _switch_url(lang: str) -> str | None:
    if request.method != "GET":
        return None
    args = request.args.to_dict()
    args["ui_locales"] = "en" if lang == "vi" else "vi"
    return f"{request.path}?{urlencode(args)}"


def render_page(template: str, status: int = 200, **context: Any) -> Response:
    """Render a provider page in the page language, with no-store and anti-framing."""
    lang = page_language()

    def t(key: str, **params: Any) -> str:
        return i18n.translate(key, lang, **params)

    html = render_template(
        f"vneid/{template}",
        t=t,
        lang=lang,
        switch_url=_switch_url(lang),
        csrf_token=csrf_token(),
        **context,
    )
    response = make_response(html, status)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Language"] = lang
    return response


def render_message(
    title_key: str, message: str, status: int, **context: Any
) -> Response:
    """A page with one message (errors, logout)."""
    lang = page_language()
    return render_page(
        "message.html",
        status,
        title=i18n.translate(title_key, lang),
        message=message,
        **context,
    )


# --- session state -------------------------------------------------------


def state() -> dict[str, Any]:
    """This browser's provider state, from the signed session cookie."""
    session.modified = True
    value: dict[str, Any] = session.setdefault(SESSION_KEY, {})
    return value


def csrf_token() -> str:
    """The form token of this browser session."""
    current = state()
    if "csrf" not in current:
        current["csrf"] = secrets.token_urlsafe(32)
    return str(current["csrf"])


def csrf_ok() -> bool:
    """Tell whether the submitted form carries this session's token."""
    sent = request.form.get("csrf_token", "")
    expected = state().get("csrf", "")
    return bool(expected) and hmac.compare_digest(sent, expected)


def flow_key() -> str:
    """Identify one authorization request by its parameters (language aside)."""
    items = sorted(
        (k, v) for k, v in request.args.items(multi=True) if k != "ui_locales"
    )
    return hashlib.sha256(repr(items).encode()).hexdigest()[:32]


def _remember(name: str, flow: str) -> None:
    flows: list[str] = state().setdefault(name, [])
    flows.append(flow)
    del flows[:-_MAX_REMEMBERED_FLOWS]


def current_login_session() -> LoginSession | None:
    """The live provider session of this browser, if any."""
    sid = state().get("sid")
    if not sid:
        return None
    row = db.session.get(LoginSession, uuid.UUID(sid))
    if row is None or row.ended_at is not None:
        return None
    return row


# --- errors --------------------------------------------------------------


def _with_issuer(response: Response) -> Response:
    location = response.headers.get("Location")
    if location:
        separator = "&" if "?" in location else "?"
        response.headers["Location"] = (
            f"{location}{separator}{urlencode({'iss': issuer()})}"
        )
    return response


def error_response(error: OAuth2Error) -> Response:
    """Redirect the error to the client when its redirect URI was verified; else a page."""
    if error.redirect_uri:
        return _with_issuer(authorization.handle_error_response(None, error))
    detail = error.get_error_description() or error.error
    return render_message(
        "vneid.error.title",
        i18n.translate("vneid.error.bad_request", page_language(), detail=detail),
        400,
        is_error=True,
    )


def error_redirect(grant: Any, error: OAuth2Error) -> Response:
    """Send ``error`` back to the client's verified redirect URI with ``state``."""
    error.redirect_uri = grant.redirect_uri
    error.state = grant.request.payload.state
    return error_response(error)


# --- login ----------------------------------------------------------------


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def _client_id(grant: Any) -> str:
    return str(grant.request.client.client_id)


def _throttled(
    account_key: str, grant: Any, template: str, **context: Any
) -> Response | None:
    wait = throttle.retry_after(LOGIN_ACTION, account_key, audit.client_ip())
    if wait is None:
        return None
    audit.record(
        LOGIN_ACTION,
        "throttled",
        subject_key=account_key,
        client_id=_client_id(grant),
    )
    db.session.commit()
    message = i18n.translate(
        "vneid.login.throttled", page_language(), minutes=max(1, wait // 60)
    )
    response = render_page(
        template, 429, error=message, action=request.full_path, **context
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _login_page(
    grant: Any, status: int = 200, error: str | None = None, national_id: str = ""
) -> Response:
    return render_page(
        "login.html",
        status,
        error=error,
        national_id=national_id,
        client_name=grant.request.client.name,
        action=request.full_path,
    )


def _otp_page(status: int = 200, error: str | None = None) -> Response:
    return render_page("otp.html", status, error=error, action=request.full_path)


def _account_key(national_id: str) -> str:
    return audit.keyed_hash(f"national_id:{national_id}")


def _password_step(grant: Any, flow: str) -> Response | LoginSession:
    national_id = request.form.get("national_id", "").strip()
    password = request.form.get("password", "")
    account_key = _account_key(national_id)
    throttled = _throttled(
        account_key, grant, "login.html", client_name=grant.request.client.name
    )
    if throttled:
        return throttled
    citizen = (
        find_citizen_by_national_id(national_id) if len(national_id) == 12 else None
    )
    stored = citizen.password_hash if citizen else None
    # Check a dummy hash for unknown accounts so timing does not reveal which exist.
    valid = check_password_hash(
        stored or _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password
    )
    if citizen is None or stored is None or not valid:
        audit.record(
            LOGIN_ACTION,
            "failure",
            actor_id=citizen.id if citizen else None,
            subject_key=account_key,
            client_id=_client_id(grant),
            details={"factor": "password"},
        )
        db.session.commit()
        message = i18n.translate("vneid.login.failed", page_language())
        return _login_page(grant, 401, message, national_id)
    if totp.has_totp(citizen.id):
        state()["pending"] = {
            "citizen": str(citizen.id),
            "flow": flow,
            "at": utcnow().timestamp(),
        }
        return _otp_page()
    return _complete_login(citizen, ["pwd"], flow, grant)


def _otp_step(grant: Any, flow: str) -> Response | LoginSession:
    pending = state().get("pending") or {}
    fresh_enough = (
        utcnow().timestamp() - pending.get("at", 0) < PENDING_LIFETIME.total_seconds()
    )
    if pending.get("flow") != flow or not fresh_enough:
        state().pop("pending", None)
        return _login_page(grant)
    citizen = db.session.get(Citizen, uuid.UUID(pending["citizen"]))
    if citizen is None:
        return _login_page(grant)
    account_key = _account_key(citizen.national_id)
    throttled = _throttled(account_key, grant, "otp.html")
    if throttled:
        return throttled
    if not totp.verify_second_factor(citizen.id, request.form.get("otp", "")):
        audit.record(
            LOGIN_ACTION,
            "failure",
            actor_id=citizen.id,
            subject_key=account_key,
            client_id=_client_id(grant),
            details={"factor": "otp"},
        )
        db.session.commit()
        return _otp_page(401, i18n.translate("vneid.otp.failed", page_language()))
    state().pop("pending", None)
    return _complete_login(citizen, ["pwd", "otp", "mfa"], flow, grant)


def _complete_login(
    citizen: Citizen, amr: list[str], flow: str, grant: Any
) -> LoginSession:
    previous = current_login_session()
    if previous is not None:
        previous.ended_at = utcnow()
    row = LoginSession(
        citizen_id=citizen.id, auth_time=utcnow(), acr=acr_for(citizen, amr), amr=amr
    )
    db.session.add(row)
    db.session.flush()
    current = state()
    current["sid"] = str(row.id)
    current["csrf"] = secrets.token_urlsafe(32)
    _remember("fresh", flow)
    audit.record(
        LOGIN_ACTION,
        "success",
        actor_id=citizen.id,
        subject_key=_account_key(citizen.national_id),
        client_id=_client_id(grant),
        details={"amr": amr, "acr": row.acr},
    )
    return row


def _login_step(grant: Any, flow: str) -> Response | LoginSession:
    if request.method == "POST":
        step = request.form.get("step")
        if step == "password":
            return _password_step(grant, flow)
        if step == "otp":
            return _otp_step(grant, flow)
    pending = state().get("pending") or {}
    if pending.get("flow") == flow:
        return _otp_page()
    return _login_page(grant)


def _login_needed(
    login: LoginSession, prompts: set[str], max_age: int | None, acr_values: list[str]
) -> bool:
    if "login" in prompts:
        return True
    if max_age is not None and (utcnow() - login.auth_time).total_seconds() > max_age:
        return True
    if acr_values and login.acr not in acr_values:
        second_factor = totp.has_totp(login.citizen_id)
        return any(can_reach(login.citizen, acr, second_factor) for acr in acr_values)
    return False


# --- consent --------------------------------------------------------------


def latest_consent(citizen_id: uuid.UUID, client_id: str) -> ClaimConsent | None:
    """The citizen's current claim consent for a client, if any is still valid."""
    return db.session.scalar(
        sa.select(ClaimConsent)
        .where(
            ClaimConsent.citizen_id == citizen_id,
            ClaimConsent.client_id == client_id,
            ClaimConsent.revoked_at.is_(None),
            ClaimConsent.expires_at > utcnow(),
        )
        .order_by(ClaimConsent.granted_at.desc())
        .limit(1)
    )


def _consent_page(grant: Any, requested: list[str]) -> Response:
    index = 0 if page_language() == "vi" else 1
    return render_page(
        "consent.html",
        claims=[(claim, CLAIM_LABELS[claim][index]) for claim in requested],
        client_name=grant.request.client.name,
        action=request.full_path,
    )


def _record_consent(
    login: LoginSession, client_id: str, requested: list[str]
) -> ClaimConsent:
    excluded = set(request.form.getlist("exclude"))
    consent = ClaimConsent(
        citizen_id=login.citizen_id,
        client_id=client_id,
        requested=requested,
        claims=[claim for claim in requested if claim not in excluded],
        expires_at=utcnow() + CONSENT_LIFETIME,
    )
    db.session.add(consent)
    audit.record(
        "vneid.consent",
        "success",
        actor_id=login.citizen_id,
        client_id=client_id,
        details={
            "claims": consent.claims,
            "declined": sorted(excluded & set(requested)),
        },
    )
    return consent


# --- the endpoint ----------------------------------------------------------


def _parse_max_age(grant: Any) -> int | None:
    raw = grant.request.payload.data.get("max_age")
    if raw is None:
        return None
    if not str(raw).isdigit():
        raise InvalidRequestError("'max_age' must be a non-negative integer.")
    return int(raw)


def handle_authorize() -> Response:
    """Serve every step of ``/vneid/authorize`` for GET and POST."""
    if request.method == "POST" and not csrf_ok():
        return render_message(
            "vneid.error.title",
            i18n.translate("vneid.error.csrf", page_language()),
            400,
            is_error=True,
        )
    login = current_login_session()
    try:
        grant = authorization.get_consent_grant(
            end_user=login.citizen if login else None
        )
    except OAuth2Error as error:
        return error_response(error)
    data = grant.request.payload.data
    if data.get("request") or data.get("request_uri"):
        return error_redirect(grant, RequestNotSupportedError())
    try:
        max_age = _parse_max_age(grant)
    except OAuth2Error as error:
        return error_redirect(grant, error)
    prompts = set(data.get("prompt", "").split())
    acr_values = [
        acr for acr in data.get("acr_values", "").split() if acr in ACR_VALUES
    ]
    flow = flow_key()

    if (
        login is not None
        and flow not in state().get("fresh", [])
        and _login_needed(login, prompts, max_age, acr_values)
    ):
        login = None
    if login is None:
        if "none" in prompts:
            return error_redirect(grant, LoginRequiredError())
        outcome = _login_step(grant, flow)
        if isinstance(outcome, Response):
            return outcome
        login = outcome
    if acr_values and login.acr not in acr_values:
        audit.record(
            "vneid.authorize",
            "failure",
            actor_id=login.citizen_id,
            client_id=_client_id(grant),
            details={"reason": "acr"},
        )
        db.session.commit()
        return error_redirect(grant, UnmetAuthenticationRequirementsError())

    client_id = _client_id(grant)
    requested = claims_for_scope(grant.request.scope)
    consent = latest_consent(login.citizen_id, client_id)
    consented_now = flow in state().get("consented", [])
    if not consented_now and (
        consent is None
        or not set(requested) <= set(consent.requested)
        or "consent" in prompts
    ):
        if "none" in prompts:
            return error_redirect(grant, ConsentRequiredError())
        if request.method != "POST" or request.form.get("step") != "consent":
            db.session.commit()
            return _consent_page(grant, requested)
        if request.form.get("confirm") != "yes":
            audit.record(
                "vneid.consent",
                "denied",
                actor_id=login.citizen_id,
                client_id=client_id,
            )
            db.session.commit()
            return error_redirect(grant, AccessDeniedError())
        consent = _record_consent(login, client_id, requested)
        _remember("consented", flow)

    released = [
        claim for claim in requested if consent is not None and claim in consent.claims
    ]
    grant.request.vneid_context = {"session": login, "claims": released}
    response: Response = authorization.create_authorization_response(
        grant=grant, grant_user=login.citizen
    )
    audit.record(
        "vneid.authorize",
        "success",
        actor_id=login.citizen_id,
        client_id=client_id,
        details={"claims": released},
    )
    db.session.commit()
    return response
