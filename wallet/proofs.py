"""The wallet's proof of its key (OpenID4VCI 1.0 §8.2.1.1, ``jwt`` proof type)
and the issuer's nonces that keep each proof fresh and single-use.

A ``c_nonce`` is stateless — the time it was made, random bytes and an HMAC
under the server's key — so every worker agrees on it; it is good for
:data:`NONCE_LIFETIME` and, once a proof carrying it was accepted, never again
(:mod:`app.single_use`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from app import json_body, jwt_time, single_use
from app.crypto import derive_key
from wallet.problems import InvalidNonce, InvalidProof

PROOF_TYPE = "openid4vci-proof+jwt"
ALGORITHM = "ES256"
NONCE_LIFETIME = timedelta(minutes=5)
#: How far a proof's ``iat`` may be from now (clock skew), either way.
PROOF_WINDOW_SECONDS = 300
_MAX_PROOF_LENGTH = 8192
_PUBLIC_MEMBERS = ("kty", "crv", "x", "y")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _mac(body: str) -> str:
    return _b64(
        hmac.new(derive_key("oid4vci-nonce"), body.encode(), hashlib.sha256).digest()
    )


def new_nonce() -> str:
    """A fresh, unpredictable ``c_nonce``."""
    body = f"{int(time.time())}.{_b64(secrets.token_bytes(16))}"
    return f"{body}.{_mac(body)}"


def _nonce_made_at(nonce: object) -> int | None:
    """When the server made ``nonce``, if it did."""
    if not isinstance(nonce, str) or nonce.count(".") != 2:
        return None
    made, random_part, mac = nonce.split(".")
    if not made.isdigit() or not hmac.compare_digest(
        mac, _mac(f"{made}.{random_part}")
    ):
        return None
    return int(made)


@dataclass(frozen=True)
class KeyProof:
    """A checked proof: the public key the credential is to be bound to."""

    jwk: dict[str, Any]
    nonce: str


def _claims(proof: str) -> tuple[dict[str, Any], dict[str, Any], ECKey]:
    if not isinstance(proof, str) or len(proof) > _MAX_PROOF_LENGTH:
        raise InvalidProof(detail_key="wallet-invalid-proof.malformed")
    try:
        header = jws.extract_compact(proof.encode()).protected
    except (JoseError, ValueError) as error:
        raise InvalidProof(detail_key="wallet-invalid-proof.malformed") from error
    if header.get("typ") != PROOF_TYPE or header.get("alg") != ALGORITHM:
        raise InvalidProof(detail_key="wallet-invalid-proof.header")
    jwk = header.get("jwk")
    if (
        not isinstance(jwk, dict)
        or "kid" in header
        or "x5c" in header
        or "d" in jwk
        or jwk.get("kty") != "EC"
        or jwk.get("crv") != "P-256"
    ):
        raise InvalidProof(detail_key="wallet-invalid-proof.key")
    try:
        key = ECKey.import_key({name: jwk[name] for name in _PUBLIC_MEMBERS})
        verified = jws.deserialize_compact(proof, key, algorithms=[ALGORITHM])
        claims = json_body.loads(verified.payload)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise InvalidProof(detail_key="wallet-invalid-proof.signature") from error
    if not isinstance(claims, dict):
        raise InvalidProof(detail_key="wallet-invalid-proof.malformed")
    return header, claims, key


def check(proof: str, *, audience: str, client_id: str | None) -> KeyProof:
    """Check one ``jwt`` key proof for the credential issuer ``audience``.

    Typed ``openid4vci-proof+jwt``, ES256, signed by the P-256 public key in its
    ``jwk`` header (no ``kid`` or ``x5c``); ``aud`` the issuer; ``iat`` recent;
    ``iss``, if there, the client the token was issued to (never for an
    anonymous one);
    ``nonce`` a ``c_nonce`` of this server, not expired, used once.

    :raise InvalidProof: the proof is malformed, for someone else, or stale.
    :raise InvalidNonce: its nonce is missing, unknown, expired or spent.
    """
    _, claims, key = _claims(proof)
    if claims.get("aud") != audience:
        raise InvalidProof(detail_key="wallet-invalid-proof.audience")
    now = time.time()
    if not jwt_time.is_recent(claims.get("iat"), PROOF_WINDOW_SECONDS, now):
        raise InvalidProof(detail_key="wallet-invalid-proof.iat")
    # Appendix F.1: iss is optional; when there, it is the client the token was
    # issued to, and an anonymous (pre-authorized) token has none to name.
    if "iss" in claims and (client_id is None or claims["iss"] != client_id):
        raise InvalidProof(detail_key="wallet-invalid-proof.issuer")
    nonce = claims.get("nonce")
    made = _nonce_made_at(nonce)
    expires = (made or 0) + NONCE_LIFETIME.total_seconds()
    if made is None or now >= expires or not isinstance(nonce, str):
        raise InvalidNonce()
    if not single_use.claim_once(
        "oid4vci-nonce", nonce, datetime.fromtimestamp(expires, UTC)
    ):
        raise InvalidNonce()
    return KeyProof(key.as_dict(private=False), nonce)
