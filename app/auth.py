"""Who is calling: the API's own access tokens and the roles they carry.

The API issues its own JWTs (flask-jwt-extended) after a VNeID login. ``sub`` is the
citizen's opaque id; a token obtained through ``act-as`` also carries the
organisation and the role the citizen holds there. Object-level checks (may this
actor read that record?) live in each domain's ``policies.py``; this module only
answers "who" and "in which role".
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from flask import Flask
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from werkzeug.wrappers import Response as BaseResponse

from app.errors import Forbidden, Problem, Unauthorized, render_http_exception
from app.extensions import jwt

P = ParamSpec("P")
R = TypeVar("R")

#: OpenAPI security requirement for routes that need a bearer token.
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


class InvalidToken(Problem):
    code, slug = 401, "invalid-token"


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller of the current request."""

    citizen_id: uuid.UUID
    org_id: uuid.UUID | None = None
    role: str | None = None
    acr: str | None = None
    auth_time: datetime | None = None
    token_id: str | None = None

    @property
    def acts_for_org(self) -> bool:
        """True when the token was obtained through ``act-as``."""
        return self.org_id is not None


def current_actor() -> Actor:
    """Return the caller of the current request; the token must already be verified."""
    claims = get_jwt()
    org = claims.get("org")
    auth_time = claims.get("auth_time")
    return Actor(
        citizen_id=uuid.UUID(claims["sub"]),
        org_id=uuid.UUID(org) if org else None,
        role=claims.get("role"),
        acr=claims.get("acr"),
        auth_time=datetime.fromtimestamp(auth_time, UTC) if auth_time else None,
        token_id=claims.get("jti"),
    )


def optional_actor() -> Actor | None:
    """Return the caller if a valid token came with the request, else ``None``."""
    verify_jwt_in_request(optional=True)
    return current_actor() if get_jwt() else None


def auth_required(view: Callable[P, R]) -> Callable[P, R]:
    """View decorator that answers 401 unless a valid access token is present."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        verify_jwt_in_request()
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: a valid token acting for an organisation in one of ``roles``."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            verify_jwt_in_request()
            actor = current_actor()
            if not actor.acts_for_org or actor.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _bearer_challenge(error: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="congdan"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def _missing_token(_reason: str) -> BaseResponse:
    return render_http_exception(Unauthorized(headers=_bearer_challenge()))


def _invalid_token(_reason: str) -> BaseResponse:
    return render_http_exception(
        InvalidToken(headers=_bearer_challenge("invalid_token"))
    )


def _expired_or_revoked(
    _header: dict[str, Any], _payload: dict[str, Any]
) -> BaseResponse:
    return _invalid_token("expired or revoked")


def init_auth(app: Flask) -> None:
    """Make every token failure a problem response with a Bearer challenge."""
    jwt.unauthorized_loader(_missing_token)
    jwt.invalid_token_loader(_invalid_token)
    jwt.expired_token_loader(_expired_or_revoked)
    jwt.revoked_token_loader(_expired_or_revoked)
    jwt.needs_fresh_token_loader(_expired_or_revoked)
    jwt.user_lookup_error_loader(_expired_or_revoked)
    app.config.setdefault("JWT_ERROR_MESSAGE_KEY", "detail")
