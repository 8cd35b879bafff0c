"""Signing keys kept in a file under ``instance/``: generated, rotated, published.

One file holds a key set (mode 0600, never committed). For each algorithm one key is
active; ``rotate`` retires the active keys and adds new ones, and a retired key stays
in the published JWKS for ``retention`` — as long as anything it signed may still be
verified. Each ``kid`` is the RFC 7638 thumbprint. The file is re-read only when it
changes on disk, so every gunicorn worker sees a rotation made by the CLI.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, KeySet, RSAKey

from app.config import write_once
from app.db import utcnow

_GRACE = timedelta(minutes=1)
_PUBLIC_MEMBERS = {
    "RSA": {"kty", "kid", "alg", "use", "n", "e"},
    "EC": {"kty", "kid", "alg", "use", "crv", "x", "y"},
}


@dataclass(frozen=True)
class StoredKey:
    """A private JWK with its lifecycle."""

    jwk: dict[str, Any]
    created_at: datetime
    retired_at: datetime | None

    @property
    def alg(self) -> str:
        return str(self.jwk["alg"])


def _generate(alg: str) -> RSAKey | ECKey:
    if alg == "RS256":
        return RSAKey.generate_key(2048, {"alg": alg, "use": "sig"}, auto_kid=True)
    if alg == "ES256":
        return ECKey.generate_key("P-256", {"alg": alg, "use": "sig"}, auto_kid=True)
    raise ValueError(f"unsupported signing algorithm {alg}")


class KeyStore:
    """The signing keys in one file, for the given algorithms."""

    def __init__(
        self, path: Path, algorithms: tuple[str, ...], retention: timedelta
    ) -> None:
        self.path = path
        self.algorithms = algorithms
        self.retention = retention
        self._cache: tuple[int, list[StoredKey]] | None = None

    def _fresh_entries(self) -> list[dict[str, Any]]:
        now = utcnow().isoformat()
        return [
            {
                "jwk": _generate(alg).as_dict(private=True),
                "created_at": now,
                "retired_at": None,
            }
            for alg in self.algorithms
        ]

    def ensure(self) -> None:
        """Generate the first keys unless the file exists (safe across workers)."""
        write_once(self.path, json.dumps({"keys": self._fresh_entries()}).encode())

    def keys(self) -> list[StoredKey]:
        """Every stored key, re-reading the file only when it changed."""
        mtime = self.path.stat().st_mtime_ns
        if self._cache and self._cache[0] == mtime:
            return self._cache[1]
        entries = json.loads(self.path.read_text())["keys"]
        stored = [
            StoredKey(
                jwk=entry["jwk"],
                created_at=datetime.fromisoformat(entry["created_at"]),
                retired_at=datetime.fromisoformat(entry["retired_at"])
                if entry["retired_at"]
                else None,
            )
            for entry in entries
        ]
        self._cache = (mtime, stored)
        return stored

    def _published(self, key: StoredKey, now: datetime) -> bool:
        return key.retired_at is None or now < key.retired_at + self.retention + _GRACE

    def active_key(self, alg: str) -> RSAKey | ECKey:
        """The newest unretired private key for ``alg``."""
        candidates = [k for k in self.keys() if k.alg == alg and k.retired_at is None]
        newest = max(candidates, key=lambda k: k.created_at)
        if alg == "RS256":
            return RSAKey.import_key(newest.jwk)
        return ECKey.import_key(newest.jwk)

    def published_jwks(self) -> dict[str, Any]:
        """The public JWKS: active keys and those retired less than ``retention`` ago."""
        now = utcnow()
        return {
            "keys": [
                {
                    k: v
                    for k, v in key.jwk.items()
                    if k in _PUBLIC_MEMBERS[key.jwk["kty"]]
                }
                for key in self.keys()
                if self._published(key, now)
            ]
        }

    def verification_keys(self) -> KeySet:
        """The published keys, for verifying what was signed with this store."""
        return KeySet.import_key_set(self.published_jwks())  # type: ignore[arg-type]

    def rotate(self) -> list[str]:
        """Retire the active keys, add new ones; return the new ``kid`` values."""
        data = json.loads(self.path.read_text())
        now = utcnow()
        for entry in data["keys"]:
            if entry["retired_at"] is None:
                entry["retired_at"] = now.isoformat()
        fresh = self._fresh_entries()
        cutoff = now - self.retention - _GRACE
        data["keys"] = [
            entry
            for entry in data["keys"]
            if datetime.fromisoformat(entry["retired_at"]) > cutoff
        ] + fresh
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        os.replace(tmp, self.path)
        return [entry["jwk"]["kid"] for entry in fresh]
