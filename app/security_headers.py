"""Headers every response carries, whatever produced it (API, pages, /docs, errors).

Pages that need a stricter policy set their own ``Content-Security-Policy``; this
only fills in what a response left out, and makes sure no page of ours can be
framed (clickjacking) or have its type sniffed (an upload served as HTML).
"""

from __future__ import annotations

from flask import Flask, Response

#: Nothing of CongDan is meant to be shown inside another site's frame.
_NO_FRAMING = "frame-ancestors 'none'"
#: JSON, images and files need nothing from the page that shows them.
_API_POLICY = f"default-src 'none'; {_NO_FRAMING}"


def _secure(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
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
