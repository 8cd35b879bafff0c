"""Extension singletons, unbound; ``create_app`` initialises each with ``init_app``.

The flask-smorest ``Api`` is the exception: it keeps one app and one spec, so the
factory makes one per application (tests build several apps in one process).
"""

from __future__ import annotations

import time
from typing import Any

from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from app.db import Base

# Routes commit, then serialise what they hold: reloading every attribute after the
# commit would cost a query per object and show nothing new.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()


class VerifiedTokenCache(JWTManager):
    """``JWTManager`` that remembers tokens it has verified, until they expire.

    A phone sends the same access token on every request for its 15 minutes;
    checking its HMAC and parsing it again each time costs more than the rest of a
    simple read. A token string that verified once verifies again, so it is served
    from memory until its ``exp``; revocation is still checked on every request
    (the blocklist callback runs after decoding). Bounded, per process.
    """

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        super().__init__()
        self._verified: dict[tuple[str, Any, bool], dict[str, Any]] = {}

    def _decode_jwt_from_config(
        self, encoded_token: str, csrf_value: Any = None, allow_expired: bool = False
    ) -> dict[str, Any]:
        key = (encoded_token, csrf_value, allow_expired)
        claims = self._verified.get(key)
        if claims is not None and (allow_expired or claims.get("exp", 0) > time.time()):
            return dict(claims)
        claims = super()._decode_jwt_from_config(
            encoded_token, csrf_value, allow_expired
        )
        if len(self._verified) >= self.MAX_ENTRIES:
            self._verified.clear()
        self._verified[key] = claims
        return dict(claims)


jwt = VerifiedTokenCache()
limiter = Limiter(key_func=get_remote_address)
