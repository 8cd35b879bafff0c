"""The provider's ID-token signing keys (an RS256 and an ES256 key at any time).

``flask vneid rotate-keys`` retires them and adds new ones; a retired key stays in
the JWKS for as long as an ID token it signed can still be valid.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from joserfc.jwk import ECKey, KeySet, RSAKey

from app.keystore import KeyStore

#: Lifetime of the ID tokens the provider signs; retired keys stay published this long.
ID_TOKEN_LIFETIME = timedelta(hours=1)
SUPPORTED_ALGORITHMS = ("RS256", "ES256")

_stores: dict[str, KeyStore] = {}


def store(path: str | None = None) -> KeyStore:
    """The provider's key store (the app's ``VNEID_KEYS_FILE``)."""
    path = path or current_app.config["VNEID_KEYS_FILE"]
    if path not in _stores:
        _stores[path] = KeyStore(Path(path), SUPPORTED_ALGORITHMS, ID_TOKEN_LIFETIME)
    return _stores[path]


def active_signing_key(alg: str) -> RSAKey | ECKey:
    """The key that signs new ID tokens with ``alg``."""
    return store().active_key(alg)


def published_jwks() -> dict[str, Any]:
    """The provider's public JWKS."""
    return store().published_jwks()


def verification_keys() -> KeySet:
    """The published keys as a key set."""
    return store().verification_keys()
