"""Who is calling: the API's own access tokens and the roles they carry.

The API issues its own JWTs (flask-jwt-extended) after a VNeID login. ``sub`` is the
citizen's opaque id; a token obtained through ``act-as`` also carries the
organisation and the role the citizen holds there. Object-level checks (may this
actor read that record?) live in each domain's ``policies.py``; this module only
answers "who" and "in which role".

Tokens are bound to a key the phone holds (DPoP, RFC 9449): a token names its
key's thumbprint (``cnf.jkt``) and comes as ``Authorization: DPoP <token>`` with a
fresh ``DPoP`` proof of that key for this method, URL and token, so a copy of it
is useless anywhere else. Unbound ``Bearer`` tokens are accepted only with
``API_BEARER_TOKENS_ALLOWED`` (older apps), off by default. Every check a token
must pass on every request (its key here; a live membership for ``act-as``
tokens, :mod:`identity.login.acting`) is one of :func:`add_token_check`'s.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from werkzeug.wrappers import Response as BaseResponse

from app import dpop
from app.errors import Problem, Unauthorized, render_http_exception
from app.extensions import jwt

P = ParamSpec("P")
R = TypeVar("R")

#: OpenAPI security requirement for routes that need the API's (DPoP-bound) token.
BEARER: list[dict[str, list[str]]] = [{"dpopAuth": []}]


#: Step-up (RFC 9470): sensitive actions need a level-2 login this recent.
STEP_UP_ACR = "urn:vneid:loa:2"
STEP_UP_MAX_AGE = 300


class InvalidToken(Problem):
    code, slug = 401, "invalid-token"


class InsufficientUserAuthentication(Problem):
    code, slug = 401, "insufficient-user-authentication"


class InvalidDPoPProof(Problem):
    code, slug = 401, "invalid-dpop-proof"


class DPoPProofRequired(Problem):
    code, slug = 400, "dpop-proof-required"


#: A check every verified token must pass on every request: a refusal, or None.
TokenCheck = Callable[[dict[str, Any]], Problem | None]
_TOKEN_CHECKS = "congdan.token_checks"  # noqa: S105 - an extension's name
#: Which scheme the request's token came under (the library reads one, "Bearer").
_SCHEME = "congdan.token_scheme"
_VERDICTS = "congdan.token_verdicts"


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
    #: The thumbprint of the key the token is bound to (DPoP), if it is.
    dpop_jkt: str | None = None

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
        dpop_jkt=(claims.get("cnf") or {}).get("jkt"),
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
                f"{_scheme_of_request()} "
                'realm="congdan", error="insufficient_user_authentication", '
                'error_description="A level-2 login within 5 minutes is required", '
                f'acr_values="{STEP_UP_ACR}", max_age={STEP_UP_MAX_AGE}'
            )
            raise InsufficientUserAuthentication(
                headers={"WWW-Authenticate": challenge},
                extra={"acr_values": STEP_UP_ACR, "max_age": STEP_UP_MAX_AGE},
            )
        return view(*args, **kwargs)

    return wrapped


def dpop_challenge(error: str | None = None) -> dict[str, str]:
    """``WWW-Authenticate`` for the API: DPoP (RFC 9449 §7.1), and Bearer too
    while older apps' bearer tokens are allowed."""
    value = f'DPoP realm="congdan", algs="{" ".join(dpop.PROOF_ALGORITHMS)}"'
    if error:
        value += f', error="{error}"'
    if current_app.config.get("API_BEARER_TOKENS_ALLOWED"):
        value += ', Bearer realm="congdan"'
    return {"WWW-Authenticate": value}


def _scheme_of_request() -> str:
    return str(request.environ.get(_SCHEME, "Bearer"))


def request_url() -> str:
    """This request's URL as the client addressed it (a proof's ``htu``)."""
    return f"{current_app.config['BASE_URL']}{request.path}"


def _verified_proof(access_token: str | None = None) -> dpop.Proof:
    """The request's DPoP proof, checked for this method, URL (and token).

    :raise InvalidDPoPProof: missing, malformed, for another call, or replayed.
    """
    try:
        return dpop.verify(
            request.headers.getlist("DPoP"),
            method=request.method,
            url=request_url(),
            access_token=access_token,
        )
    except dpop.DPoPError as error:
        raise InvalidDPoPProof(
            extra={"reason": error.description},
            headers=dpop_challenge("invalid_dpop_proof"),
        ) from error


def proof_key() -> str | None:
    """The key thumbprint of the request's DPoP proof, if one came (no token).

    :raise InvalidDPoPProof: a proof that does not hold.
    """
    if not request.headers.getlist("DPoP"):
        return None
    return _verified_proof().jkt


def require_proof_key() -> str | None:
    """:func:`proof_key`, required unless bearer tokens are allowed.

    :raise DPoPProofRequired: no proof, and bearer tokens are not allowed.
    """
    jkt = proof_key()
    if jkt is None and not current_app.config.get("API_BEARER_TOKENS_ALLOWED"):
        raise DPoPProofRequired(headers=dpop_challenge())
    return jkt


_OWN_AUTHORIZATION = "congdan.own_authorization"


def leave_authorization_to(app: Flask, prefix: str) -> None:
    """Let the endpoints under ``prefix`` read ``Authorization`` as sent: a
    protocol with tokens of its own (an OAuth server), not the API's."""
    app.extensions.setdefault(_OWN_AUTHORIZATION, []).append(prefix)


def _read_token_scheme() -> None:
    """Note whether the API's token came as ``DPoP`` and hand it to
    flask-jwt-extended, which reads a single scheme, as ``Bearer``.

    Not where a protocol reads its own tokens (:func:`leave_authorization_to`):
    the VNeID provider's endpoints, the wallet issuer's.
    """
    if request.path.startswith(
        tuple(current_app.extensions.get(_OWN_AUTHORIZATION, ()))
    ):
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "dpop" and token.strip():
        request.environ[_SCHEME] = "DPoP"
        request.environ["HTTP_AUTHORIZATION"] = f"Bearer {token.strip()}"


def _holds_the_key(payload: dict[str, Any]) -> Problem | None:
    """A bound token needs ``DPoP`` and a proof of its key; an unbound one is
    accepted only as ``Bearer`` with ``API_BEARER_TOKENS_ALLOWED``."""
    bound = (payload.get("cnf") or {}).get("jkt")
    scheme = _scheme_of_request()
    if bound is None:
        if scheme == "Bearer" and current_app.config.get("API_BEARER_TOKENS_ALLOWED"):
            return None
        return InvalidToken(headers=dpop_challenge("invalid_token"))
    if scheme != "DPoP":
        # RFC 9449 §7.2: a bound token presented as a bearer token.
        return InvalidToken(headers=dpop_challenge("invalid_token"))
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    try:
        proof = _verified_proof(token)
    except InvalidDPoPProof as refusal:
        return refusal
    if proof.jkt != bound:
        return InvalidToken(headers=dpop_challenge("invalid_token"))
    return None


def add_token_check(app: Flask, check: TokenCheck) -> None:
    """Have every verified token pass ``check`` on every request."""
    app.extensions[_TOKEN_CHECKS].append(check)


def _passes_checks(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
    # A token is verified more than once in a request (auth, the idempotency
    # key's owner); its proof may be used only once: the verdict is kept.
    # Kept in the request's environ, not in g: an app context may outlive it.
    verdicts: dict[str, Problem | None] = request.environ.setdefault(_VERDICTS, {})
    key = str(payload.get("jti"))
    if key not in verdicts:
        verdicts[key] = next(
            (
                refusal
                for check in current_app.extensions[_TOKEN_CHECKS]
                if (refusal := check(payload)) is not None
            ),
            None,
        )
    return verdicts[key] is None


def _refused(_header: dict[str, Any], payload: dict[str, Any]) -> BaseResponse:
    refusal = request.environ[_VERDICTS][str(payload.get("jti"))]
    return render_http_exception(refusal)


def _missing_token(_reason: str) -> BaseResponse:
    return render_http_exception(Unauthorized(headers=dpop_challenge()))


def _invalid_token(_reason: str) -> BaseResponse:
    return render_http_exception(InvalidToken(headers=dpop_challenge("invalid_token")))


def _expired_or_revoked(
    _header: dict[str, Any], _payload: dict[str, Any]
) -> BaseResponse:
    return _invalid_token("expired or revoked")


def init_auth(app: Flask) -> None:
    """Check every token's key and other checks; make every token failure a
    problem response with the API's challenge."""
    app.extensions[_TOKEN_CHECKS] = [_holds_the_key]
    app.before_request(_read_token_scheme)
    jwt.token_verification_loader(_passes_checks)
    jwt.token_verification_failed_loader(_refused)
    jwt.unauthorized_loader(_missing_token)
    jwt.invalid_token_loader(_invalid_token)
    jwt.expired_token_loader(_expired_or_revoked)
    jwt.revoked_token_loader(_expired_or_revoked)
    jwt.needs_fresh_token_loader(_expired_or_revoked)
    jwt.user_lookup_error_loader(_expired_or_revoked)
    app.config.setdefault("JWT_ERROR_MESSAGE_KEY", "detail")
