"""Registering relying parties with the provider."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.extensions import db
from identity.vneid import keys
from identity.vneid.claims import SCOPES_SUPPORTED
from identity.vneid.models import OAuthClient, digest

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


def register_client(
    client_id: str,
    redirect_uris: list[str],
    *,
    name: str | None = None,
    public: bool = False,
    scope: str = DEFAULT_SCOPE,
    alg: str = "RS256",
    post_logout_redirect_uris: list[str] | None = None,
    secret: str | None = None,
    backchannel_logout_uri: str | None = None,
    backchannel_logout_session_required: bool = False,
) -> tuple[OAuthClient, str | None]:
    """Register a client; return it and its secret (``None`` for public clients).

    The secret is returned once and stored only as a digest.

    :raise InvalidClientMetadataError: unsafe redirect or back-channel logout URIs, an unknown scope, an
        algorithm other than RS256/ES256, or a client id already taken.
    """
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
    if not public and secret is None:
        secret = secrets.token_urlsafe(32)
    client = OAuthClient(
        client_id=client_id,
        secret_digest=None if public else digest(secret or ""),
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
    return client, None if public else secret
