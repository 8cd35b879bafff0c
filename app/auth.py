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

from app.errors import Problem, Unauthorized, render_http_exception
from app.extensions import jwt

P = ParamSpec("P")
R = TypeVar("R")

#: OpenAPI security requirement for routes that need a bearer token.
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


#: Step-up (RFC 9470): sensitive actions need a level-2 login this recent.
STEP_UP_ACR = "urn:vneid:loa:2"
STEP_UP_MAX_AGE = 300


class InvalidToken(Problem):
    code, slug = 401, "invalid-token"


class InsufficientUserAuthentication(Problem):
    code, slug = 401, "insufficient-user-authentication"


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller of the current request."""

    citizen_id: uuid.UUID
    org_id: uuid.UUID | None = None
    role: str | None = None
    acr: str | None = None
    auth_time: datetime | None = None
    token_id: str | None = None
    family_id: uuid.UUID | None = None

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
        family_id=uuid.UUID(claims["fam"]) if claims.get("fam") else None,
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


def step_up_required(view: Callable[P, R]) -> Callable[P, R]:
    """View decorator: a level-2 login (``acr``) no older than five minutes.

    Otherwise 401 with the RFC 9470 challenge, telling the phone to log in again
    with ``acr_values`` and ``max_age`` before retrying.
    """

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        verify_jwt_in_request()
        actor = current_actor()
        recent = (
            actor.auth_time is not None
            and (datetime.now(UTC) - actor.auth_time).total_seconds() <= STEP_UP_MAX_AGE
        )
        if actor.acr != STEP_UP_ACR or not recent:
            challenge = (
                'Bearer realm="congdan", error="insufficient_user_authentication", '
                'error_description="A level-2 login within 5 minutes is required", '
                f'acr_values="{STEP_UP_ACR}", max_age={STEP_UP_MAX_AGE}'
            )
            raise InsufficientUserAuthentication(
                headers={"WWW-Authenticate": challenge},
                extra={"acr_values": STEP_UP_ACR, "max_age": STEP_UP_MAX_AGE},
            )
        return view(*args, **kwargs)

    return wrapped


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
