"""Cross-origin calls from the web apps a deployment names (flask-cors).

Off unless ``CORS_ORIGINS`` lists origins (``https://dichvucong.example.vn``, …;
exact origins, no wildcard). Then a browser on one of them may call ``/api/`` and
``/open311/``: the answer names that origin, preflights say which methods and
request headers are allowed (the token and its DPoP proof, idempotency and
version headers), and the headers a client reads are exposed. No cookie is ever
sent across origins (``supports_credentials`` stays off): the API's tokens travel
in headers, and the provider's session cookie is for its own pages.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_cors import CORS

#: The paths a web app calls.
PREFIXES: Final = ("/api/", "/open311/")

ALLOWED_HEADERS: Final = [
    "Accept-Language",
    "Authorization",
    "Content-Type",
    "DPoP",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "X-Request-ID",
]
EXPOSED_HEADERS: Final = [
    "Content-Language",
    "ETag",
    "Idempotent-Replayed",
    "Link",
    "Location",
    "Retry-After",
    "WWW-Authenticate",
    "X-Request-Id",
]


def exact_origin(origin: str) -> re.Pattern[str]:
    """``origin`` (``scheme://host[:port]``, nothing more) as a pattern that matches
    it alone: flask-cors reads a string with regex characters as a prefix regex,
    so ``https://*.example.vn`` would let ``https://a.example.vn.evil.example`` in.

    :raise ValueError: not an http(s) origin.
    """
    parts = urlsplit(origin)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or f"{parts.scheme}://{parts.netloc}" != origin
        or not all(char.isalnum() or char in ".-:[]" for char in parts.netloc)
    ):
        raise ValueError(
            f"CORS_ORIGINS lists exact origins (https://host[:port]), not {origin!r}"
        )
    return re.compile(re.escape(origin) + r"\Z")


def init_cors(app: Flask) -> None:
    """Answer cross-origin requests from ``CORS_ORIGINS``, if it names any."""
    origins = [exact_origin(origin) for origin in app.config.get("CORS_ORIGINS") or []]
    if not origins:
        return
    CORS(
        app,
        # Anchored by flask-cors's re.match; "/api/*" would also match "/apix".
        resources={f"{re.escape(prefix)}.*": {} for prefix in PREFIXES},
        origins=origins,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        supports_credentials=False,
        max_age=600,
    )

    @app.after_request
    def _varies_by_origin(response: Response) -> Response:
        # flask-cors says so only when several origins are named; but one origin
        # is answered differently from none, and a cache must keep them apart.
        if request.path.startswith(PREFIXES):
            response.vary.add("Origin")
        return response
