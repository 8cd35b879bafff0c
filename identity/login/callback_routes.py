"""The browser's landing page of the login: shows the code and state VNeID sent."""

from __future__ import annotations

from flask import Response, render_template_string, request

from app.blueprint import Blueprint

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
<p>POST /api/v1/auth/vneid {"code": "…", "state": "…", "code_verifier": "…"}</p>{% endif %}</body></html>"""


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

    Public HTML page, the ``redirect_uri`` of a login done in a browser. It shows
    ``code`` and ``state``, or VNeID's ``error`` and ``error_description``, and
    redeems nothing: finish the login by POSTing them with the PKCE verifier to
    ``/api/v1/auth/vneid``. Sent with ``Cache-Control: no-store`` and
    ``Referrer-Policy: no-referrer``, so the code is neither kept nor leaked. A
    query parameter given twice is 422.
    """
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
