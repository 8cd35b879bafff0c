"""The provider's signing keys: generated at first run, rotated, published as JWKS.

Keys live in one JSON file under ``instance/`` (mode 0600, never committed): an RSA
key for RS256 and a P-256 key for ES256 are active at any time. ``flask vneid
rotate-keys`` retires them and adds new ones; a retired key stays in the JWKS for as
long as an ID token it signed can still be valid, so relying parties can verify
tokens issued just before the rotation. Each ``kid`` is the RFC 7638 thumbprint.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from joserfc.jwk import ECKey, KeySet, RSAKey

from app.config import write_once
from app.db import utcnow

#: Lifetime of the ID tokens the provider signs; retired keys stay published this
#: long (plus a minute of clock skew).
ID_TOKEN_LIFETIME = timedelta(hours=1)
SUPPORTED_ALGORITHMS = ("RS256", "ES256")
_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class StoredKey:
    """A private JWK with its lifecycle."""

    jwk: dict[str, Any]
    created_at: datetime
    retired_at: datetime | None

    @property
    def alg(self) -> str:
        return str(self.jwk["alg"])

    @property
    def kid(self) -> str:
        return str(self.jwk["kid"])

    def is_published(self, now: datetime) -> bool:
        """Active keys, and retired ones whose last tokens may still be valid."""
        return (
            self.retired_at is None
            or now < self.retired_at + ID_TOKEN_LIFETIME + _GRACE
        )


def _new_keys() -> list[dict[str, Any]]:
    now = utcnow().isoformat()
    keys: list[RSAKey | ECKey] = [
        RSAKey.generate_key(2048, {"alg": "RS256", "use": "sig"}, auto_kid=True),
        ECKey.generate_key("P-256", {"alg": "ES256", "use": "sig"}, auto_kid=True),
    ]
    return [
        {"jwk": key.as_dict(private=True), "created_at": now, "retired_at": None}
        for key in keys
    ]


def keystore_path() -> Path:
    """Where the keys of the current app live."""
    return Path(current_app.config["VNEID_KEYS_FILE"])


def ensure_keys(path: Path) -> None:
    """Generate the first keys at ``path`` unless they exist (safe across workers)."""
    write_once(path, json.dumps({"keys": _new_keys()}).encode())


_cache: dict[str, tuple[int, list[StoredKey]]] = {}


def load_keys() -> list[StoredKey]:
    """Read the key file, re-reading only when it changed on disk."""
    path = keystore_path()
    mtime = path.stat().st_mtime_ns
    cached = _cache.get(str(path))
    if cached and cached[0] == mtime:
        return cached[1]
    raw = json.loads(path.read_text())["keys"]
    keys = [
        StoredKey(
            jwk=entry["jwk"],
            created_at=datetime.fromisoformat(entry["created_at"]),
            retired_at=datetime.fromisoformat(entry["retired_at"])
            if entry["retired_at"]
            else None,
        )
        for entry in raw
    ]
    _cache[str(path)] = (mtime, keys)
    return keys


def active_signing_key(alg: str) -> RSAKey | ECKey:
    """The newest unretired private key for ``alg``."""
    candidates = [k for k in load_keys() if k.alg == alg and k.retired_at is None]
    newest = max(candidates, key=lambda k: k.created_at)
    return (
        RSAKey.import_key(newest.jwk)
        if alg == "RS256"
        else ECKey.import_key(newest.jwk)
    )


def published_jwks() -> dict[str, Any]:
    """The public JWKS: active keys and recently retired ones."""
    now = utcnow()
    public = []
    for stored in load_keys():
        if stored.is_published(now):
            jwk = {
                k: v
                for k, v in stored.jwk.items()
                if k in _PUBLIC_MEMBERS[stored.jwk["kty"]]
            }
            public.append(jwk)
    return {"keys": public}


_PUBLIC_MEMBERS = {
    "RSA": {"kty", "kid", "alg", "use", "n", "e"},
    "EC": {"kty", "kid", "alg", "use", "crv", "x", "y"},
}


def verification_keys() -> KeySet:
    """The published keys, for verifying what this provider signed."""
    return KeySet.import_key_set(published_jwks())  # type: ignore[arg-type]


def rotate(path: Path) -> list[str]:
    """Retire the active keys and add new ones; return the new ``kid`` values."""
    data = json.loads(path.read_text())
    now = utcnow().isoformat()
    for entry in data["keys"]:
        if entry["retired_at"] is None:
            entry["retired_at"] = now
    fresh = _new_keys()
    data["keys"].extend(fresh)
    # Drop keys no longer published, so the file does not grow forever.
    cutoff = utcnow() - ID_TOKEN_LIFETIME - _GRACE
    data["keys"] = [
        e
        for e in data["keys"]
        if e["retired_at"] is None or datetime.fromisoformat(e["retired_at"]) > cutoff
    ]
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)
    return [entry["jwk"]["kid"] for entry in fresh]
