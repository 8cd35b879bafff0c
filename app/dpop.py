"""DPoP (RFC 9449): checking that a request comes from the holder of a key.

A client makes a key pair and signs a short JWT, the *proof*, for every request: the
method and URL it is for, when, a unique ``jti`` and, with an access token, the
token's hash (``ath``). A token issued against a proof is bound to the key's RFC 7638
thumbprint (``cnf.jkt``); a copy of the token is useless without the private key.

:func:`verify` checks one proof and answers its key's thumbprint. The server may ask
for a nonce of its own in every proof (``DPoP-Nonce``), which bounds how long a proof
made in advance stays usable; nonces here are stateless, an HMAC of the current
five-minute period, so every worker and host agrees on them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry

from app import jwt_time, single_use
from app.crypto import derive_key

#: Asymmetric algorithms only (RFC 9449 §4.2), those of FAPI 2.0 §5.4.1 (EdDSA
#: left out: RFC 9864 deprecates the name, and joserfc warns on it).
PROOF_ALGORITHMS = ("ES256", "PS256")
#: FAPI 2.0 §5.4.1: RSA keys of at least 2048 bits.
MIN_RSA_BITS = 2048
#: How far a proof's ``iat`` may be from the server's clock, either way.
PROOF_WINDOW = timedelta(seconds=60)
#: A nonce stays good for the period it was made in and the next one.
NONCE_PERIOD_SECONDS = 300
#: Proofs are a few hundred bytes; anything far larger is not one.
_MAX_PROOF_LENGTH = 8192
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class DPoPError(Exception):
    """A proof that is missing, malformed, for another request, or replayed.

    ``error`` is RFC 9449's code: ``invalid_dpop_proof``, or ``use_dpop_nonce``
    when the proof lacks the server's current nonce (the client retries with it).
    """

    def __init__(self, description: str, code: str = "invalid_dpop_proof") -> None:
        super().__init__(description)
        self.error = code
        self.description = description


@dataclass(frozen=True)
class Proof:
    """A verified proof: the thumbprint of the key that signed it."""

    jkt: str
    jti: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def access_token_hash(access_token: str) -> str:
    """The ``ath`` of a proof sent with ``access_token``."""
    return _b64(hashlib.sha256(access_token.encode()).digest())


def normalized_url(url: str) -> str:
    """``url`` compared as RFC 9449 §4.3 says: no query or fragment, case and
    default ports normalized (RFC 3986 §6.2.2–6.2.3)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # "http://[" and other URLs that do not parse
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    default_port = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", "", ""))


def current_nonce(at: float | None = None) -> str:
    """The nonce the server asks proofs to carry now."""
    period = int(time.time() if at is None else at) // NONCE_PERIOD_SECONDS
    return _nonce_for(period)


def _nonce_for(period: int) -> str:
    mac = hmac.new(derive_key("dpop-nonce"), str(period).encode(), hashlib.sha256)
    return f"{period}.{_b64(mac.digest()[:18])}"


def nonce_is_current(nonce: object) -> bool:
    """Whether ``nonce`` is the server's, from this period or the one before."""
    if not isinstance(nonce, str):
        return False
    period = int(time.time()) // NONCE_PERIOD_SECONDS
    return any(
        hmac.compare_digest(nonce, _nonce_for(recent))
        for recent in (period, period - 1)
    )


def _public_key(header: dict[str, Any]) -> Any:
    if header.get("typ") != "dpop+jwt":
        raise DPoPError("The proof's 'typ' must be 'dpop+jwt'.")
    if header.get("alg") not in PROOF_ALGORITHMS:
        raise DPoPError(f"The proof must be signed with one of {PROOF_ALGORITHMS}.")
    public_jwk = header.get("jwk")
    if not isinstance(public_jwk, dict) or _PRIVATE_MEMBERS & public_jwk.keys():
        raise DPoPError("The proof's 'jwk' must be a public key.")
    try:
        key = JWKRegistry.import_key(public_jwk)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise DPoPError("The proof's 'jwk' is not a usable key.") from error
    if is_weak(key):
        raise DPoPError(f"RSA keys must have at least {MIN_RSA_BITS} bits.")
    return key


def is_weak(key: Any) -> bool:
    """An RSA key under :data:`MIN_RSA_BITS` (joserfc only warns about them)."""
    return bool(key.key_type == "RSA" and key.raw_value.key_size < MIN_RSA_BITS)


def _signed_claims(proof: str) -> tuple[dict[str, Any], Any]:
    """The proof's claims once its signature checks out, and the key that made it."""
    if len(proof) > _MAX_PROOF_LENGTH:
        raise DPoPError("The proof is too long.")
    try:
        header = jws.extract_compact(proof.encode()).protected
        key = _public_key(header)
        verified = jws.deserialize_compact(proof, key, algorithms=[header["alg"]])
        claims = json.loads(verified.payload, parse_constant=_no_constant)
    except DPoPError:
        raise
    except (JoseError, ValueError, TypeError, KeyError, RecursionError) as error:
        raise DPoPError("The proof is not a validly signed JWT.") from error
    if not isinstance(claims, dict):
        raise DPoPError("The proof's payload must be a JSON object.")
    return claims, key


def _no_constant(name: str) -> None:
    # JSON has no NaN or Infinity; Python's parser reads them unless told not to,
    # and NaN passes every comparison of a freshness check.
    raise ValueError(f"not JSON: {name}")


def _check_claims(
    claims: dict[str, Any], method: str, url: str, access_token: str | None
) -> None:
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= 256:
        raise DPoPError("The proof needs a 'jti'.")
    if claims.get("htm") != method:
        raise DPoPError("The proof is for another HTTP method ('htm').")
    htu = claims.get("htu")
    if not isinstance(htu, str) or normalized_url(htu) != normalized_url(url):
        raise DPoPError("The proof is for another URL ('htu').")
    if not jwt_time.is_recent(claims.get("iat"), PROOF_WINDOW.total_seconds()):
        raise DPoPError("The proof's 'iat' is missing or not recent.")
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(
            ath, access_token_hash(access_token)
        ):
            raise DPoPError("The proof's 'ath' is not the hash of this access token.")


def verify(
    headers: list[str],
    *,
    method: str,
    url: str,
    access_token: str | None = None,
    require_nonce: bool = False,
) -> Proof:
    """Check the ``DPoP`` header values of a request; answer the key's thumbprint.

    :param headers: every ``DPoP`` header of the request (exactly one is allowed).
    :param access_token: the token the request presents, whose hash the proof binds.
    :param require_nonce: whether the proof must carry :func:`current_nonce`.
    :raise DPoPError: anything wrong with the proof, or a replay of one.
    """
    if len(headers) != 1 or not headers[0]:
        raise DPoPError("Send exactly one DPoP proof in the 'DPoP' header.")
    claims, key = _signed_claims(headers[0])
    _check_claims(claims, method, url, access_token)
    if require_nonce and not nonce_is_current(claims.get("nonce")):
        raise DPoPError("Use the server's DPoP nonce.", code="use_dpop_nonce")
    jkt = key.thumbprint()
    # Replays are refused for as long as the proof's iat would still be accepted.
    if not single_use.claim_once(
        "dpop-proof",
        f"{jkt}:{claims['jti']}",
        single_use.wall_clock() + 2 * PROOF_WINDOW,
    ):
        raise DPoPError("This proof was already used.")
    return Proof(jkt=jkt, jti=claims["jti"])
