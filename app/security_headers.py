"""Headers every response carries, whatever produced it (API, pages, /docs, errors).

Pages that need a stricter policy set their own ``Content-Security-Policy``; this
only fills in what a response left out, and makes sure no page of ours can be
framed (clickjacking) or have its type sniffed (an upload served as HTML).
"""

from __future__ import annotations

from typing import Final

from flask import Flask, Response

#: Nothing of CongDan is meant to be shown inside another site's frame.
_NO_FRAMING = "frame-ancestors 'none'"
#: JSON, images and files need nothing from the page that shows them.
_API_POLICY = f"default-src 'none'; {_NO_FRAMING}"
#: What every response carries; the server's own answers (``app.http_errors``) too.
ALWAYS: Final = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
#: The policy of a response that is not HTML, when it sets none.
API_POLICY: Final = _API_POLICY


def _secure(response: Response) -> Response:
    headers = response.headers
    for name, value in ALWAYS.items():
        headers.setdefault(name, value)
    policy = headers.get("Content-Security-Policy")
    if policy is None:
        html = response.mimetype == "text/html"
        headers["Content-Security-Policy"] = _NO_FRAMING if html else _API_POLICY
    elif "frame-ancestors" not in policy:
        headers["Content-Security-Policy"] = f"{policy.rstrip('; ')}; {_NO_FRAMING}"
    return response


def init_security_headers(app: Flask) -> None:
    """Add the headers to every response of ``app``."""
    app.after_request(_secure)
