"""Selective Disclosure for JWTs (SD-JWT, RFC 9901): issuing and verifying.

An issuer marks the claims a holder may choose to show with :class:`Hidden`;
:func:`conceal` replaces each by the digest of a *disclosure* (a salted
``[salt, name, value]``) and :func:`issue` signs what is left and appends the
disclosures: ``<issuer-signed JWT>~<disclosure>~…~``. The holder shows some
disclosures and signs a Key Binding JWT (``kb+jwt``) over them, for one audience
and nonce; :func:`verify_presentation` checks all of it and answers only the
claims that were shown.

The format, not what a credential says: the credential types are the wallet's
(:mod:`wallet.types`). Only ES256 and SHA-256 are accepted; anything else a
presentation asks for is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from app import json_body, jwt_time

ALGORITHM = "ES256"
DIGEST_ALGORITHM = "sha-256"
#: The JOSE ``typ`` of an SD-JWT VC (SD-JWT VC draft, §3.2.1).
CREDENTIAL_TYPE = "dc+sd-jwt"
KEY_BINDING_TYPE = "kb+jwt"
#: How far a KB-JWT's ``iat`` may be from now, either way.
KEY_BINDING_WINDOW_SECONDS = 300
#: What a presentation of a few credentials weighs; anything far larger is not one.
MAX_PRESENTATION_LENGTH = 64 * 1024
_RESERVED = frozenset({"_sd", "..."})
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class SdJwtError(ValueError):
    """An SD-JWT or presentation that is malformed, forged, or not for us.

    ``reason`` is a stable, machine-readable slug of what failed.
    """

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason


@dataclass(frozen=True)
class Hidden:
    """A value the holder may disclose or keep (made selectively disclosable)."""

    value: Any


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def digest(text: str) -> str:
    """The base64url SHA-256 of ``text``'s ASCII bytes (a disclosure, or the
    presentation a KB-JWT's ``sd_hash`` covers)."""
    return _b64(hashlib.sha256(text.encode("ascii")).digest())


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _disclosure(contents: list[Any]) -> str:
    return _b64(_dumps(contents))


@dataclass
class _Concealing:
    disclosures: list[str] = field(default_factory=list)

    def walk(self, value: Any) -> Any:
        if isinstance(value, Hidden):
            raise TypeError("a hidden value must be an object member or array element")
        if isinstance(value, dict):
            return self._object(value)
        if isinstance(value, list):
            return [self._element(item) for item in value]
        return value

    def _object(self, value: dict[str, Any]) -> dict[str, Any]:
        shown: dict[str, Any] = {}
        digests: list[str] = []
        for name, member in value.items():
            if name in _RESERVED:
                raise ValueError(f"{name!r} is reserved by SD-JWT")
            if isinstance(member, Hidden):
                encoded = _disclosure([_salt(), name, self.walk(member.value)])
                self.disclosures.append(encoded)
                digests.append(digest(encoded))
            else:
                shown[name] = self.walk(member)
        if digests:
            # Sorted, with decoys: neither the order nor the count of the hidden
            # claims tells which were hidden (RFC 9901 §4.2.4.1, §4.2.5).
            shown["_sd"] = sorted(digests + [_decoy() for _ in range(_decoys(digests))])
        return shown

    def _element(self, item: Any) -> Any:
        if not isinstance(item, Hidden):
            return self.walk(item)
        encoded = _disclosure([_salt(), self.walk(item.value)])
        self.disclosures.append(encoded)
        return {"...": digest(encoded)}


def _salt() -> str:
    return _b64(secrets.token_bytes(16))


def _decoy() -> str:
    return _b64(hashlib.sha256(secrets.token_bytes(32)).digest())


def _decoys(digests: list[str]) -> int:
    # Up to the next multiple of four, and at least one.
    return 4 - len(digests) % 4


def conceal(claims: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The payload with every :class:`Hidden` value replaced by its digest, and
    the disclosures that reveal them (nested ones first)."""
    concealing = _Concealing()
    payload = concealing.walk(claims)
    payload["_sd_alg"] = DIGEST_ALGORITHM
    return payload, concealing.disclosures


def issue(
    claims: dict[str, Any], key: ECKey, header: dict[str, Any]
) -> tuple[str, list[str]]:
    """An SD-JWT (``<JWT>~<disclosure>~…~``) of ``claims`` signed with ``key``,
    and its disclosures."""
    payload, disclosures = conceal(claims)
    token = jws.serialize_compact({"alg": ALGORITHM, **header}, _dumps(payload), key)
    return "~".join([token, *disclosures, ""]), disclosures


@dataclass(frozen=True)
class Verified:
    """A presentation that checked out: what the issuer signed and what was shown."""

    header: dict[str, Any]
    #: The processed payload: signed claims plus the disclosed ones, no digests.
    claims: dict[str, Any]
    #: Each disclosed claim as a path of names (and ``None`` for array elements).
    disclosed: tuple[tuple[str | None, ...], ...]
    holder_key: dict[str, Any]


#: Answers the issuer's public key for a JWT's header and unverified payload, or
#: ``None`` when the issuer or the key is unknown or not trusted.
IssuerKey = Callable[[dict[str, Any], dict[str, Any]], ECKey | None]


def _json_part(part: str, what: str) -> dict[str, Any]:
    try:
        value = json_body.loads(_unb64(part).decode("utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError) as error:
        raise SdJwtError("malformed", f"The {what} is not base64url JSON.") from error
    if not isinstance(value, dict):
        raise SdJwtError("malformed", f"The {what} is not a JSON object.")
    return value


def _signed(token: str, key: ECKey, what: str) -> dict[str, Any]:
    try:
        found = jws.deserialize_compact(token, key, algorithms=[ALGORITHM])
    except (JoseError, ValueError) as error:
        raise SdJwtError(
            "bad-signature", f"The {what}'s signature is wrong."
        ) from error
    return _json_part(_b64(found.payload), what)


def _header(token: str, typ: str, what: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise SdJwtError("malformed", f"The {what} is not a compact JWS.")
    header = _json_part(parts[0], f"{what}'s header")
    if header.get("typ") != typ:
        raise SdJwtError("wrong-type", f"The {what}'s 'typ' must be '{typ}'.")
    if header.get("alg") != ALGORITHM:
        raise SdJwtError("wrong-algorithm", f"The {what} must be signed with ES256.")
    return header


@dataclass
class _Disclosing:
    by_digest: dict[str, list[Any]]
    used: set[str] = field(default_factory=set)
    paths: list[tuple[str | None, ...]] = field(default_factory=list)

    def _take(self, found: str, path: tuple[str | None, ...]) -> list[Any] | None:
        if found in self.used:
            raise SdJwtError("digest-reused", "A digest appears twice in the SD-JWT.")
        self.used.add(found)
        contents = self.by_digest.get(found)
        if contents is not None:
            self.paths.append(path)
        return contents

    def walk(self, value: Any, path: tuple[str | None, ...]) -> Any:
        if isinstance(value, dict):
            return self._object(value, path)
        if isinstance(value, list):
            return self._array(value, path)
        return value

    def _object(
        self, value: dict[str, Any], path: tuple[str | None, ...]
    ) -> dict[str, Any]:
        digests = value.get("_sd", [])
        if not isinstance(digests, list) or not all(
            isinstance(d, str) for d in digests
        ):
            raise SdJwtError("malformed", "'_sd' must be an array of digests.")
        shown = {
            name: self.walk(member, (*path, name))
            for name, member in value.items()
            if name not in ("_sd", "_sd_alg")
        }
        for found in digests:
            contents = self._take(found, path)
            if contents is None:
                continue  # a decoy, or a claim the holder kept
            if len(contents) != 3 or not isinstance(contents[1], str):
                raise SdJwtError("malformed", "An object's disclosure needs a name.")
            name = contents[1]
            if name in _RESERVED or name in shown:
                raise SdJwtError("malformed", f"The disclosed claim {name!r} clashes.")
            self.paths[-1] = (*path, name)
            shown[name] = self.walk(contents[2], (*path, name))
        return shown

    def _array(self, value: list[Any], path: tuple[str | None, ...]) -> list[Any]:
        shown: list[Any] = []
        for item in value:
            hidden = (
                isinstance(item, dict)
                and set(item) == {"..."}
                and isinstance(item["..."], str)
            )
            if not hidden:
                shown.append(self.walk(item, (*path, None)))
                continue
            contents = self._take(item["..."], (*path, None))
            if contents is None:
                continue
            if len(contents) != 2:
                raise SdJwtError("malformed", "An element's disclosure has no name.")
            shown.append(self.walk(contents[1], (*path, None)))
        return shown


def _decoded_disclosures(encoded: list[str]) -> dict[str, list[Any]]:
    by_digest: dict[str, list[Any]] = {}
    for disclosure in encoded:
        if not disclosure:
            raise SdJwtError("malformed", "An empty disclosure.")
        try:
            contents = json_body.loads(_unb64(disclosure).decode("utf-8"))
        except (ValueError, RecursionError, UnicodeDecodeError) as error:
            raise SdJwtError(
                "malformed", "A disclosure is not base64url JSON."
            ) from error
        if (
            not isinstance(contents, list)
            or len(contents) not in (2, 3)
            or not isinstance(contents[0], str)
        ):
            raise SdJwtError("malformed", "A disclosure is not [salt, (name,) value].")
        found = digest(disclosure)
        if found in by_digest:
            raise SdJwtError("malformed", "The same disclosure is given twice.")
        by_digest[found] = contents
    return by_digest


def _holder_key(payload: dict[str, Any]) -> tuple[ECKey, dict[str, Any]]:
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict) or _PRIVATE_MEMBERS & jwk.keys():
        raise SdJwtError("no-holder-key", "The credential names no holder key (cnf).")
    try:
        return ECKey.import_key(jwk), jwk
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise SdJwtError("no-holder-key", "The holder key is not usable.") from error


def _check_lifetime(payload: dict[str, Any], now: float) -> None:
    for name in ("iat", "nbf", "exp"):
        if name in payload and not jwt_time.is_numeric_date(payload[name]):
            raise SdJwtError("malformed", f"'{name}' is not a time.")
    if "exp" in payload and now >= payload["exp"]:
        raise SdJwtError("expired", "The credential has expired.")
    if "nbf" in payload and now < payload["nbf"]:
        raise SdJwtError("not-yet-valid", "The credential is not valid yet.")


def _check_key_binding(
    kb_jwt: str,
    holder_key: ECKey,
    presented: str,
    *,
    audience: str,
    nonce: str,
    now: float,
) -> None:
    _header(kb_jwt, KEY_BINDING_TYPE, "key-binding JWT")
    claims = _signed(kb_jwt, holder_key, "key-binding JWT")
    if claims.get("aud") != audience:
        raise SdJwtError("wrong-audience", "The presentation is for another verifier.")
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(
        claims["nonce"], nonce
    ):
        raise SdJwtError("wrong-nonce", "The presentation answers another request.")
    iat = claims.get("iat")
    if not jwt_time.is_recent(iat, KEY_BINDING_WINDOW_SECONDS, now):
        raise SdJwtError("stale", "The key-binding JWT's 'iat' is not recent.")
    sd_hash = claims.get("sd_hash")
    if not isinstance(sd_hash, str) or not hmac.compare_digest(
        sd_hash, digest(presented)
    ):
        raise SdJwtError(
            "wrong-sd-hash", "The key-binding JWT does not cover these disclosures."
        )


def verify_presentation(
    presentation: str,
    issuer_key: IssuerKey,
    *,
    audience: str,
    nonce: str,
    now: float | None = None,
) -> Verified:
    """Check an SD-JWT+KB presented to ``audience`` for ``nonce`` (RFC 9901 §7).

    The issuer's signature (with the key ``issuer_key`` trusts), the lifetime,
    every disclosure (each must be one the issuer signed a digest of: a
    disclosure of another credential is refused, not ignored), and the Key
    Binding JWT: signed by the holder key of ``cnf``, for this audience and
    nonce, recent, and over exactly this issuer JWT and these disclosures.

    :raise SdJwtError: whatever does not hold, with its ``reason``.
    """
    now = time.time() if now is None else now
    if len(presentation) > MAX_PRESENTATION_LENGTH:
        raise SdJwtError("malformed", "The presentation is too long.")
    if "~" not in presentation:
        raise SdJwtError("malformed", "Not an SD-JWT (no '~').")
    token, *disclosures, kb_jwt = presentation.split("~")
    if not kb_jwt:
        raise SdJwtError("no-key-binding", "The presentation has no key-binding JWT.")
    header = _header(token, CREDENTIAL_TYPE, "credential")
    unverified = _json_part(token.split(".")[1], "credential")
    key = issuer_key(header, unverified)
    if key is None:
        raise SdJwtError("unknown-issuer", "The issuer or its key is not trusted.")
    payload = _signed(token, key, "credential")
    if payload.get("_sd_alg", DIGEST_ALGORITHM) != DIGEST_ALGORITHM:
        raise SdJwtError("wrong-algorithm", "Only sha-256 digests are accepted.")
    _check_lifetime(payload, now)
    by_digest = _decoded_disclosures(disclosures)
    disclosing = _Disclosing(by_digest)
    claims = disclosing.walk(payload, ())
    if set(by_digest) - disclosing.used:
        raise SdJwtError(
            "foreign-disclosure", "A disclosure does not belong to this credential."
        )
    holder_key, holder_jwk = _holder_key(payload)
    presented = "~".join([token, *disclosures, ""])
    _check_key_binding(
        kb_jwt, holder_key, presented, audience=audience, nonce=nonce, now=now
    )
    return Verified(header, claims, tuple(disclosing.paths), holder_jwk)
