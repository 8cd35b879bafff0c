"""The provider's HTML pages and browser state: language, CSRF, the signed session,
and errors a browser sees.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from flask import (
    Response,
    g,
    make_response,
    render_template,
    request,
    session,
)

from app import i18n
from app.extensions import db
from identity.vneid import (
    pushed,
    texts,  # noqa: F401 - registers the page texts
)
from identity.vneid.issuance import issuer
from identity.vneid.models import LoginSession
from identity.vneid.server import authorization

SESSION_KEY = "vneid"

_MAX_REMEMBERED_FLOWS = 10

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
}


def page_language() -> str:
    """``ui_locales`` when it names a language we have, else ``Accept-Language``.

    The page's own switch (``ui_locales`` in its URL) first, then the one of a
    pushed request, whose other parameters the URL cannot change.
    """
    asked = request.args.get("ui_locales") or g.get("vneid_pushed_ui_locales") or ""
    for tag in asked.split():
        primary = tag.split("-")[0].lower()
        if primary in i18n.SUPPORTED_LANGUAGES:
            return primary
    return i18n.current_language()


def _switch_url(lang: str) -> str:
    """The same page in the other language: a GET of this URL, which (after a
    POST too) shows the step the flow is at, since its progress is in the session."""
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


def remember(name: str, flow: str) -> None:
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
    # The person reads what happened and what to do; the library's words are for
    # the app's developers, behind "technical details".
    description = error.get_error_description()
    return render_message(
        "vneid.error.title",
        i18n.translate("vneid.error.bad_request", page_language()),
        400,
        is_error=True,
        detail=f"{error.error}: {description}" if description else error.error,
    )


def error_redirect(grant: Any, error: OAuth2Error) -> Response:
    """Send ``error`` back to the client's verified redirect URI with ``state``.

    A pushed request's ``request_uri`` is spent by it, as by a code.
    """
    error.redirect_uri = grant.redirect_uri
    error.state = grant.request.payload.state
    pushed.complete(grant.request)
    return error_response(error)


# --- login ----------------------------------------------------------------
