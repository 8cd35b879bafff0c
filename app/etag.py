"""Entity tags: record GETs revalidate for free; acts on what was read name it.

A phone on a weak network revalidates a record with ``If-None-Match`` (304). An
act that must apply to exactly what the person saw — a signature — carries the
``ETag`` they read as ``If-Match`` (:func:`require_match`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from flask import request
from werkzeug.http import quote_etag
from werkzeug.wrappers import Response

from app.errors import PreconditionFailed, PreconditionRequired


def etagged(view: Callable[..., Response]) -> Callable[..., Response]:
    """Add a strong ``ETag`` to a GET's response and answer ``If-None-Match`` with 304.

    Place it above ``@blp.response`` so it sees the serialised body. The tag is a
    hash of the exact bytes sent, so it changes whenever anything visible changes.
    ``Cache-Control: private, no-cache`` keeps personal data out of shared caches
    while letting the phone revalidate.
    """

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        response = view(*args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        response.add_etag()
        response.headers["Cache-Control"] = "private, no-cache"
        return response.make_conditional(request)

    # flask-smorest documents If-None-Match and the ETag header for views it marks.
    wrapped._apidoc = deepcopy(getattr(view, "_apidoc", {}))  # type: ignore[attr-defined]
    wrapped._apidoc["etag"] = True  # type: ignore[attr-defined]
    return wrapped


def require_match(current: str) -> None:
    """Go on only if ``If-Match`` names ``current``, the version acted upon.

    Missing: 428. Another version (or ``*``, which names none): 412, with the
    current ``ETag`` so the caller can read again before acting.
    """
    if "If-Match" not in request.headers:
        raise PreconditionRequired()
    named = request.if_match
    if named.star_tag or not named.contains(current):
        raise PreconditionFailed(headers={"ETag": quote_etag(current)})
