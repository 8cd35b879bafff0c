"""Clients that authenticate with a key, not a shared secret: ``private_key_jwt``.

RFC 7523 §2.2 with the stricter rules of FAPI 2.0 (Security Profile §5.3.2.1) on
top of Authlib's :class:`JWTBearerClientAssertion`: the assertion's ``aud`` is the
provider's issuer identifier and nothing else, it is signed with an asymmetric
algorithm of FAPI's list by a key the client registered (inline or at its
``jwks_uri``), it expires within a few minutes of being made, and its ``jti`` is
accepted once.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx2 as httpx
from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app import dpop, single_use
from identity.vneid.issuance import issuer
from identity.vneid.models import KEY_AUTH, OAuthClient

PRIVATE_KEY_JWT = KEY_AUTH
#: FAPI 2.0 Security Profile §5.4.1: PS256 or ES256 (EdDSA left out, as for DPoP).
ASSERTION_ALGORITHMS = dpop.PROOF_ALGORITHMS
#: An assertion may be made at most this long before it expires.
MAX_ASSERTION_LIFETIME = timedelta(minutes=5)
_JWKS_URI_CACHE_SECONDS = 300
_jwks_uri_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def _fetched_jwks(uri: str) -> dict[str, Any]:
    cached = _jwks_uri_cache.get(uri)
    if cached is not None and time.monotonic() - cached[0] < _JWKS_URI_CACHE_SECONDS:
        return cached[1]
    try:
        response = httpx.get(uri, timeout=5.0, follow_redirects=False)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise InvalidClientError(
            description="The client's jwks_uri could not be read."
        ) from error
    _jwks_uri_cache[uri] = (time.monotonic(), document)
    return document


def client_keys(client: OAuthClient) -> KeySet:
    """The public keys a client registered for its assertions."""
    document = client.jwks or (
        _fetched_jwks(client.jwks_uri) if client.jwks_uri else {}
    )
    try:
        key_set = KeySet.import_key_set(document)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise InvalidClientError(
            description="The client's registered keys are not usable."
        ) from error
    # Registration refuses weak keys; a jwks_uri may publish them later.
    key_set.keys = [key for key in key_set.keys if not dpop.is_weak(key)]
    return key_set


class PrivateKeyJwt(JWTBearerClientAssertion):
    """``private_key_jwt``: a signed assertion in ``client_assertion`` (RFC 7523)."""

    CLIENT_AUTH_METHOD = PRIVATE_KEY_JWT

    def __init__(self) -> None:
        super().__init__(validate_jti=True, leeway=30)

    def get_audiences(self) -> list[str]:
        return [issuer()]

    def resolve_client_public_key(self, client: OAuthClient) -> KeySet:
        return client_keys(client)

    def extract_assertion(self, assertion: str) -> Any:
        try:
            return super().extract_assertion(assertion)
        except RecursionError as error:
            raise InvalidClientError(description="Invalid JWT payload.") from error

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> Any:
        try:
            token = jwt.decode(
                assertion, resolve_key, algorithms=list(ASSERTION_ALGORITHMS)
            )
        except (JoseError, ValueError, RecursionError) as error:
            raise InvalidClientError(
                description="The client assertion's signature does not verify."
            ) from error
        self.verify_claims(token.claims)
        return token.claims

    def verify_claims(self, claims: Any) -> None:
        # The issuer identifier alone (FAPI 2.0 §5.3.2.1 item 8): no endpoint URL,
        # no list naming other audiences too.
        aud = claims.get("aud")
        if aud != issuer() and aud != [issuer()]:
            raise InvalidClientError(
                description="The client assertion's 'aud' must be the issuer identifier."
            )
        exp = claims.get("exp")
        if (
            isinstance(exp, int | float)
            and exp - time.time() > MAX_ASSERTION_LIFETIME.total_seconds()
        ):
            raise InvalidClientError(
                description="The client assertion must expire within five minutes."
            )
        super().verify_claims(claims)

    def validate_jti(self, claims: Any, jti: Any) -> bool:
        if not isinstance(jti, str) or not 0 < len(jti) <= 256:
            return False
        # Kept until the assertion expires (plus leeway): after that it is refused
        # for its exp anyway.
        until = (
            single_use.wall_clock()
            + MAX_ASSERTION_LIFETIME
            + timedelta(seconds=self.leeway)
        )
        return single_use.claim_once(
            "client-assertion", f"{claims['iss']}:{jti}", until
        )
