"""Registering relying parties with the provider."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app import dpop
from app.extensions import db
from identity.vneid import keys
from identity.vneid.claims import SCOPES_SUPPORTED
from identity.vneid.client_auth import PRIVATE_KEY_JWT
from identity.vneid.models import NO_AUTH, SECRET_AUTH, OAuthClient, digest

AUTH_METHODS = (SECRET_AUTH, NO_AUTH, PRIVATE_KEY_JWT)
#: FAPI 2.0 §5.4.1 for the ID tokens of key-authenticated clients.
FAPI_ID_TOKEN_ALGORITHM = "ES256"  # noqa: S105 - an algorithm name

DEFAULT_SCOPE = "openid profile"


class InvalidClientMetadataError(ValueError):
    """A registration that would weaken the provider (RFC 7591 §3.2.2)."""


def query_client(client_id: str) -> OAuthClient | None:
    """The registered client with this id, if any."""
    return db.session.scalar(
        sa.select(OAuthClient).where(OAuthClient.client_id == client_id)
    )


def _check_redirect_uri(uri: str) -> None:
    parts = urlsplit(uri)
    if parts.fragment:
        raise InvalidClientMetadataError(
            f"redirect URI must not have a fragment: {uri}"
        )
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1"):
        return
    # Private-use schemes of native apps (RFC 8252 §7.1): reverse domain names.
    if (
        parts.scheme not in ("http", "https", "javascript", "data", "file")
        and "." in parts.scheme
    ):
        return
    raise InvalidClientMetadataError(
        f"redirect URI must be https, loopback http, or a reverse-domain app scheme: {uri}"
    )


def _check_backchannel_logout_uri(uri: str) -> None:
    # Back-Channel Logout 1.0 §2.2: an absolute URI, no fragment; https, or http
    # on this machine (development).
    parts = urlsplit(uri)
    secure = parts.scheme == "https" and parts.hostname
    loopback = parts.scheme == "http" and parts.hostname in (
        "localhost",
        "127.0.0.1",
        "::1",
    )
    if parts.fragment or not (secure or loopback):
        raise InvalidClientMetadataError(
            f"backchannel_logout_uri must be https (or loopback http) without a fragment: {uri}"
        )


def _check_public_keys(jwks: dict[str, Any] | None, jwks_uri: str | None) -> None:
    if (jwks is None) == (jwks_uri is None):
        raise InvalidClientMetadataError(
            "private_key_jwt needs the client's keys: jwks or jwks_uri, not both"
        )
    if jwks_uri is not None:
        parts = urlsplit(jwks_uri)
        if parts.scheme != "https" and parts.hostname not in ("localhost", "127.0.0.1"):
            raise InvalidClientMetadataError(f"jwks_uri must be https: {jwks_uri}")
        return
    try:
        key_set = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise InvalidClientMetadataError(f"jwks is not a JWK set: {error}") from error
    if not key_set.keys or any(key.is_private for key in key_set.keys):
        raise InvalidClientMetadataError("jwks must hold public keys only")
    if any(dpop.is_weak(key) for key in key_set.keys):
        raise InvalidClientMetadataError(
            f"RSA keys must have at least {dpop.MIN_RSA_BITS} bits"
        )


def register_client(
    client_id: str,
    redirect_uris: list[str],
    *,
    name: str | None = None,
    public: bool = False,
    auth_method: str | None = None,
    jwks: dict[str, Any] | None = None,
    jwks_uri: str | None = None,
    scope: str = DEFAULT_SCOPE,
    alg: str | None = None,
    post_logout_redirect_uris: list[str] | None = None,
    secret: str | None = None,
    backchannel_logout_uri: str | None = None,
    backchannel_logout_session_required: bool = False,
    require_pushed_authorization_requests: bool | None = None,
    dpop_bound_access_tokens: bool | None = None,
    verified_claims_allowed: bool = False,
) -> tuple[OAuthClient, str | None]:
    """Register a client; return it and its secret (``None`` unless it has one).

    ``auth_method`` ``private_key_jwt`` registers a FAPI 2.0 client: it
    authenticates with its keys (``jwks`` or ``jwks_uri``), must push its
    authorization requests, gets DPoP-bound tokens and ES256 ID tokens, unless
    told otherwise. The secret is returned once and stored only as a digest.

    :raise InvalidClientMetadataError: unsafe redirect or back-channel logout URIs, an unknown scope, an
        algorithm other than RS256/ES256 (ES256 for key clients), missing or
        private keys, or a client id already taken.
    """
    method = auth_method or (NO_AUTH if public else SECRET_AUTH)
    if method not in AUTH_METHODS:
        raise InvalidClientMetadataError(
            f"token_endpoint_auth_method must be one of {AUTH_METHODS}"
        )
    fapi = method == PRIVATE_KEY_JWT
    alg = alg or (FAPI_ID_TOKEN_ALGORITHM if fapi else "RS256")
    if fapi:
        _check_public_keys(jwks, jwks_uri)
        if alg != FAPI_ID_TOKEN_ALGORITHM:
            raise InvalidClientMetadataError(
                "FAPI clients get ES256 ID tokens (id_token_signed_response_alg)"
            )
    if not redirect_uris:
        raise InvalidClientMetadataError("at least one redirect URI is required")
    for uri in [*redirect_uris, *(post_logout_redirect_uris or [])]:
        _check_redirect_uri(uri)
    if backchannel_logout_uri is not None:
        _check_backchannel_logout_uri(backchannel_logout_uri)
    unknown = set(scope.split()) - set(SCOPES_SUPPORTED)
    if "openid" not in scope.split() or unknown:
        raise InvalidClientMetadataError(
            f"scope must include openid and only {SCOPES_SUPPORTED}"
        )
    if alg not in keys.SUPPORTED_ALGORITHMS:
        raise InvalidClientMetadataError(
            "id_token_signed_response_alg must be RS256 or ES256"
        )
    if query_client(client_id) is not None:
        raise InvalidClientMetadataError(
            f"client id {client_id!r} is already registered"
        )
    has_secret = method == SECRET_AUTH
    if has_secret and secret is None:
        secret = secrets.token_urlsafe(32)
    client = OAuthClient(
        client_id=client_id,
        secret_digest=digest(secret or "") if has_secret else None,
        token_endpoint_auth_method=method,
        jwks=jwks if fapi else None,
        jwks_uri=jwks_uri if fapi else None,
        require_pushed_authorization_requests=fapi
        if require_pushed_authorization_requests is None
        else require_pushed_authorization_requests,
        dpop_bound_access_tokens=fapi
        if dpop_bound_access_tokens is None
        else dpop_bound_access_tokens,
        verified_claims_allowed=verified_claims_allowed,
        name=name or client_id,
        redirect_uris=list(redirect_uris),
        post_logout_redirect_uris=list(post_logout_redirect_uris or []),
        scope=scope,
        grant_types=["authorization_code", "refresh_token"],
        id_token_signed_response_alg=alg,
        backchannel_logout_uri=backchannel_logout_uri,
        backchannel_logout_session_required=backchannel_logout_session_required,
    )
    db.session.add(client)
    db.session.flush()
    return client, secret if has_secret else None
