"""Signing in at the provider: password, then the second factor, throttled."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import (
    Response,
    current_app,
    request,
)
from werkzeug.security import check_password_hash, generate_password_hash

from app import audit, i18n, throttle
from app.db import utcnow
from app.extensions import db
from identity import totp
from identity.models import Citizen
from identity.services import find_citizen_by_national_id
from identity.vneid import (
    claims_request,
    cross_device,
    request_params,
    texts,  # noqa: F401 - registers the page texts
)
from identity.vneid.claims import LOA2, acr_for, can_reach
from identity.vneid.models import CrossDeviceLogin, LoginSession
from identity.vneid.pages import (
    SECURITY_HEADERS,
    current_login_session,
    page_language,
    remember,
    render_page,
    state,
)

LOGIN_ACTION = "vneid.login"

PENDING_LIFETIME = timedelta(minutes=5)


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def client_id_of(grant: Any) -> str:
    return str(grant.request.client.client_id)


def _throttled(
    attempt: throttle.Attempt,
    subject: str,
    grant: Any,
    template: str,
    **context: Any,
) -> Response | None:
    wait = attempt.retry_after
    if wait is None:
        return None
    audit.record(
        LOGIN_ACTION,
        "throttled",
        subject_key=subject,
        client_id=client_id_of(grant),
    )
    message = i18n.translate("vneid.login.throttled", page_language(), seconds=wait)
    response = render_page(
        template, 429, error=message, action=request.full_path, **context
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _failure_message(key: str, feedback: throttle.Feedback) -> str:
    """What went wrong, then how many tries are left or when to try again."""
    language = page_language()
    text = i18n.translate(key, language)
    if feedback.retry_after is not None:
        then = i18n.translate(
            "vneid.login.retry_after", language, seconds=feedback.retry_after
        )
    else:
        then = i18n.translate(
            "vneid.login.tries_left", language, tries=feedback.tries_left
        )
    return f"{text} {then}"


def _failed(response: Response, feedback: throttle.Feedback) -> Response:
    if feedback.retry_after is not None:
        response.headers["Retry-After"] = str(feedback.retry_after)
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


def account_key(national_id: str) -> str:
    """The keyed hash that names an account in the audit log and the throttle."""
    return audit.keyed_hash(f"national_id:{national_id}")


def _password_step(grant: Any, flow: str) -> Response | LoginSession:
    national_id = request.form.get("national_id", "").strip()
    password = request.form.get("password", "")
    subject = account_key(national_id)
    attempt = throttle.attempt(LOGIN_ACTION, subject, audit.client_ip())
    throttled = _throttled(
        attempt, subject, grant, "login.html", client_name=grant.request.client.name
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
            subject_key=subject,
            client_id=client_id_of(grant),
            details={"factor": "password"},
        )
        feedback = attempt.failed()
        message = _failure_message("vneid.login.failed", feedback)
        return _failed(_login_page(grant, 401, message, national_id), feedback)
    if totp.has_totp(citizen.id):
        attempt.passed()
        state()["pending"] = {
            "citizen": str(citizen.id),
            "flow": flow,
            "at": utcnow().timestamp(),
        }
        return _otp_page()
    return _complete_login(citizen, ["pwd"], flow, grant, attempt)


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
    subject = account_key(citizen.national_id)
    attempt = throttle.attempt(LOGIN_ACTION, subject, audit.client_ip())
    throttled = _throttled(attempt, subject, grant, "otp.html")
    if throttled:
        return throttled
    if not totp.verify_second_factor(citizen.id, request.form.get("otp", "")):
        audit.record(
            LOGIN_ACTION,
            "failure",
            actor_id=citizen.id,
            subject_key=subject,
            client_id=client_id_of(grant),
            details={"factor": "otp"},
        )
        feedback = attempt.failed()
        message = _failure_message("vneid.otp.failed", feedback)
        return _failed(_otp_page(401, message), feedback)
    state().pop("pending", None)
    return _complete_login(citizen, ["pwd", "otp", "mfa"], flow, grant, attempt)


def _complete_login(
    citizen: Citizen,
    amr: list[str],
    flow: str,
    grant: Any,
    attempt: throttle.Attempt | None,
    *,
    acr: str | None = None,
    auth_time: datetime | None = None,
    only_for: str | None = None,
) -> LoginSession:
    """Open the provider session of this browser (ending the one before).

    A QR sign-in passes the approving login's ``acr`` and ``auth_time``, and
    ``only_for`` the client the phone approved: the session serves no other.
    """
    if attempt is not None:
        attempt.succeeded()
    previous = current_login_session()
    if previous is not None:
        previous.ended_at = utcnow()
    # A password sign-in ends any QR code this browser was waiting on.
    state().pop("qr", None)
    row = LoginSession(
        citizen_id=citizen.id,
        auth_time=auth_time or utcnow(),
        acr=acr or acr_for(citizen, amr),
        amr=amr,
        client_id=only_for,
    )
    db.session.add(row)
    db.session.flush()
    current = state()
    current["sid"] = str(row.id)
    current["csrf"] = secrets.token_urlsafe(32)
    remember("fresh", flow)
    audit.record(
        LOGIN_ACTION,
        "success",
        actor_id=citizen.id,
        subject_key=account_key(citizen.national_id),
        client_id=client_id_of(grant),
        details={"amr": amr, "acr": row.acr},
    )
    return row


# --- QR login across devices ------------------------------------------------


def _qr_page(grant: Any, user_code: str, link_png: str, expires_in: int) -> Response:
    nonce = secrets.token_urlsafe(16)
    response = render_page(
        "qr.html",
        client_name=grant.request.client.name,
        action=request.full_path,
        status_url="/vneid/qr/status",
        user_code=user_code,
        qr_png=link_png,
        expires_in=expires_in,
        script_nonce=nonce,
    )
    # The page's one script (polling and the countdown), and its requests home.
    response.headers["Content-Security-Policy"] = (
        f"{SECURITY_HEADERS['Content-Security-Policy']}; "
        f"script-src 'nonce-{nonce}'; connect-src 'self'"
    )
    return response


def _qr_start(grant: Any, flow: str) -> Response:
    """A new code for this browser, shown as a QR code.

    The phone is shown everything the consent step will then offer.
    """
    asked = claims_request.for_client(
        grant.request.payload.data.get("claims"), grant.request.client
    )
    _, requested = claims_request.to_release(grant.request.scope or "", asked)
    started = cross_device.start(client_id_of(grant), requested)
    state()["qr"] = {
        "id": str(started.login.id),
        "flow": flow,
        "code": started.user_code,
    }
    return _qr_page(
        grant,
        started.user_code,
        started.qr_png,
        int(CrossDeviceLogin.LIFETIME.total_seconds()),
    )


def _too_old_for(grant: Any, row: CrossDeviceLogin) -> bool:
    """Whether the approving login is older than the request's ``max_age``."""
    max_age = request_params.parse_max_age(grant.request.payload.data.get("max_age"))
    if max_age is None:
        return False
    if row.approver_auth_time is None:
        return True
    return (utcnow() - row.approver_auth_time).total_seconds() > max_age


def waiting_login() -> CrossDeviceLogin | None:
    """The cross-device login this browser waits for, if any."""
    waiting = state().get("qr") or {}
    if not waiting.get("id"):
        return None
    return db.session.get(CrossDeviceLogin, uuid.UUID(waiting["id"]))


def _qr_resume(grant: Any, flow: str) -> Response | LoginSession:
    """Back at the login step while a code is out: signed in, or still waiting."""
    waiting = state().get("qr") or {}
    row = waiting_login()
    found = cross_device.status(row) if row is not None else None
    if found is cross_device.Status.APPROVED and row is not None:
        if _too_old_for(grant, row):
            state().pop("qr", None)
            message = i18n.translate("vneid.qr.too_old", page_language())
            return _login_page(grant, error=message)
        done = cross_device.complete(row.id)
        if done is not None and done.citizen_id is not None:
            state().pop("qr", None)
            citizen = db.session.get(Citizen, done.citizen_id)
            if citizen is not None:
                # Approved on a phone whose login was level 2 within five
                # minutes: this sign-in is that login, for this client only.
                return _complete_login(
                    citizen,
                    ["mca", "mfa"],
                    flow,
                    grant,
                    None,
                    acr=LOA2,
                    auth_time=done.approver_auth_time,
                    only_for=done.client_id,
                )
    if found is cross_device.Status.PENDING and row is not None:
        left = int((row.expires_at - utcnow()).total_seconds())
        code = waiting["code"]
        return _qr_page(grant, code, cross_device.qr_image(code), max(left, 0))
    state().pop("qr", None)
    key = (
        "vneid.qr.denied" if found is cross_device.Status.DENIED else "vneid.qr.expired"
    )
    return _login_page(grant, error=i18n.translate(key, page_language()))


def login_step(grant: Any, flow: str) -> Response | LoginSession:
    if request.method == "POST":
        step = request.form.get("step")
        if step == "password":
            return _password_step(grant, flow)
        if step == "otp":
            return _otp_step(grant, flow)
        if step == "qr":
            return _qr_start(grant, flow)
        if step == "password_instead":
            state().pop("qr", None)
            return _login_page(grant)
    if (state().get("qr") or {}).get("flow") == flow:
        return _qr_resume(grant, flow)
    pending = state().get("pending") or {}
    if pending.get("flow") == flow:
        return _otp_page()
    return _login_page(grant)


def login_needed(
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
