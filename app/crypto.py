"""Keys derived from ``SECRET_KEY`` and authenticated encryption of small secrets.

TOTP secrets must be usable by the server, so they cannot be hashed: they are kept
encrypted with AES-GCM under a key derived (HKDF) from the application secret for
that one purpose. Rotating ``SECRET_KEY`` therefore requires re-enrolling TOTP.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def derive_key(purpose: str, length: int = 32) -> bytes:
    """A key for ``purpose`` only, derived from the application secret."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=length,
        salt=None,
        info=f"congdan:{purpose}".encode(),
    ).derive(current_app.config["SECRET_KEY"].encode())


def encrypt(plaintext: str, purpose: str) -> str:
    """Encrypt ``plaintext``; the result is ASCII and names nothing about it."""
    nonce = os.urandom(12)
    sealed = AESGCM(derive_key(purpose)).encrypt(nonce, plaintext.encode(), None)
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str, purpose: str) -> str:
    """Decrypt what :func:`encrypt` produced for the same ``purpose``."""
    raw = base64.urlsafe_b64decode(token.encode())
    return AESGCM(derive_key(purpose)).decrypt(raw[:12], raw[12:], None).decode()
