"""Public, slowly changing answers (the catalogue, the organisations), kept briefly.

Anyone may read them, they are the same for everyone, and they change only when a
deployment is loaded or an organisation is registered: each worker keeps the JSON it
sent for ``PUBLIC_CACHE_SECONDS`` (configuration, 30 by default) and sends it
again, with the same ``max-age`` for the phone and any cache in between. A change
shows within that time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request

#: Answers kept per worker (one per path and query string).
MAX_KEPT = 256

_kept: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
_lock = threading.Lock()


def public_json(build: Callable[[], Any]) -> Response:
    """The JSON ``build()`` gives for this request's path and query, kept a while.

    ``build`` returns what the route's response schema would dump; it is called
    only when no answer younger than ``PUBLIC_CACHE_SECONDS`` is kept.
    """
    seconds = int(current_app.config["PUBLIC_CACHE_SECONDS"])
    key = request.full_path
    now = time.monotonic()
    with _lock:
        kept = _kept.get(key)
        if kept is not None and now - kept[0] < seconds:
            return _response(kept[1], seconds)
    data = json_bytes(build())
    with _lock:
        _kept[key] = (now, data)
        _kept.move_to_end(key)
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return _response(data, seconds)


def json_bytes(value: Any) -> bytes:
    """``value`` as ``jsonify`` would send it (the app's provider, compact)."""
    sent: Response = current_app.json.response(value)  # type: ignore[assignment]
    return sent.get_data()


def _response(data: bytes, seconds: int) -> Response:
    response = Response(data, mimetype="application/json")
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response
