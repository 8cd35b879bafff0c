"""The browser's landing page of the login: what VNeID answered, in plain words."""

from __future__ import annotations

from flask import Response, render_template, request

from app import i18n
from app.blueprint import Blueprint
from identity.login import texts  # noqa: F401 - registers the page texts

callback_blp = Blueprint(
    "callback",
    __name__,
    template_folder="templates",
    description="Browser landing page of the login.",
)

#: VNeID's error codes (OAuth 2.0, OIDC Core 3.1.2.6) grouped by what the person
#: should do next; any other code reads as a failed sign-in.
_ERROR_MESSAGES = {
    "access_denied": "callback.access_denied",
    "unmet_authentication_requirements": "callback.level",
    "login_required": "callback.again",
    "consent_required": "callback.again",
    "interaction_required": "callback.again",
    "account_selection_required": "callback.again",
    "temporarily_unavailable": "callback.busy",
    "server_error": "callback.busy",
}


@callback_blp.route("/callback")
@callback_blp.doc(
    summary="Show the code and state VNeID sent back (for browsers and the README walk-through).",
    responses={
        200: {
            "description": "HTML page",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        422: {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"},
    },
)
def callback() -> Response:
    """Show the code and state VNeID sent back (for browsers and the README walk-through).

    Public HTML page, the ``redirect_uri`` of a login done in a browser, in the
    language ``?lang=`` (``vi`` or ``en``) or ``Accept-Language`` asks for. It says
    in plain words what happened and what to do next: signed in, cancelled or
    declined (``access_denied``), a level 2 account needed, sign in again, VNeID
    busy, or failed (VNeID's ``error`` and ``error_description`` kept under
    technical details). After a sign-in it shows ``code`` and ``state`` for app
    developers and redeems nothing: finish the login by POSTing them with the PKCE verifier to
    ``/api/v1/auth/vneid``. Sent with ``Cache-Control: no-store`` and
    ``Referrer-Policy: no-referrer``, so the code is neither kept nor leaked. A
    query parameter given twice is 422.
    """
    lang = i18n.page_language()

    def t(key: str) -> str:
        return i18n.translate(key, lang)

    error = request.args.get("error")
    messages = (
        _ERROR_MESSAGES.get(error, "callback.failed") if error else "callback.signed_in"
    )
    html = render_template(
        "login/callback.html",
        t=t,
        lang=lang,
        brand=t("callback.brand"),
        switch_url=i18n.switch_query(lang),
        switch_label=t("callback.switch"),
        title=t(f"{messages}.title"),
        detail=t(f"{messages}.detail"),
        code=request.args.get("code", ""),
        state=request.args.get("state", ""),
        error=error,
        description=request.args.get("error_description", ""),
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Language"] = lang
    return response
