"""Access tokens to the credential endpoint, and the secrets behind them.

A token is random, given to the wallet once and kept as its SHA-256; it names
the citizen who authorised it and the credentials it may fetch, each once, for
:data:`TOKEN_LIFETIME`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import request

from app import dpop
from app.auth import request_url
from app.crypto import derive_key
from app.db import utcnow
from app.extensions import db
from wallet.models import WalletGrant
from wallet.problems import InvalidAccessToken, InvalidDPoPProof

TOKEN_LIFETIME = timedelta(minutes=5)


def secret() -> str:
    """A fresh secret for a wallet to hold (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """How a secret is kept: its SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def keyed_digest(value: str, purpose: str) -> str:
    """How a short secret (a PIN) is kept: an HMAC under the server's key, so a
    copy of the table does not give it away to a search of every PIN."""
    return hmac.new(derive_key(purpose), value.encode(), hashlib.sha256).hexdigest()


def token_request_key() -> str | None:
    """The thumbprint of the key a token request's DPoP proof (RFC 9449) names,
    if it carries one: the token will be bound to it.

    :raise InvalidDPoPProof: a proof that does not check out.
    """
    proofs = request.headers.getlist("DPoP")
    if not proofs:
        return None
    try:
        return dpop.verify(proofs, method=request.method, url=request_url()).jkt
    except dpop.DPoPError as error:
        raise InvalidDPoPProof(extra={"error_description": str(error)}) from error


def mint(
    citizen_id: uuid.UUID,
    credentials: dict[str, str],
    client_id: str | None,
    dpop_jkt: str | None = None,
) -> tuple[str, WalletGrant]:
    """A new access token for ``credentials`` (identifier → configuration),
    bound to the DPoP key ``dpop_jkt`` if given."""
    token = secret()
    grant = WalletGrant(
        token_digest=digest(token),
        citizen_id=citizen_id,
        credentials=credentials,
        client_id=client_id,
        dpop_jkt=dpop_jkt,
        expires_at=utcnow() + TOKEN_LIFETIME,
        issued=[],
    )
    db.session.add(grant)
    db.session.flush()
    return token, grant


def holding() -> WalletGrant:
    """The grant of the request's access token, locked: ``Authorization: DPoP``
    with a proof of its key when the token is bound to one, ``Bearer`` when not.

    :raise InvalidAccessToken: none, unknown, expired, or a bound token sent
        as a bearer one.
    :raise InvalidDPoPProof: the proof is missing, for another key, request or
        token, or replayed.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() not in ("bearer", "dpop") or not token:
        raise InvalidAccessToken()
    grant = db.session.scalar(
        sa.select(WalletGrant)
        .where(WalletGrant.token_digest == digest(token))
        .with_for_update()
    )
    if grant is None or utcnow() >= grant.expires_at:
        raise InvalidAccessToken()
    if grant.dpop_jkt is None:
        if scheme.lower() != "bearer":
            raise InvalidAccessToken()
        return grant
    if scheme.lower() != "dpop":
        raise InvalidAccessToken()
    try:
        proof = dpop.verify(
            request.headers.getlist("DPoP"),
            method=request.method,
            url=request_url(),
            access_token=token,
        )
    except dpop.DPoPError as error:
        raise InvalidDPoPProof(extra={"error_description": str(error)}) from error
    if not hmac.compare_digest(proof.jkt, grant.dpop_jkt):
        raise InvalidDPoPProof(extra={"error_description": "Not the token's key."})
    return grant


def purge_expired() -> int:
    """Delete grants past their life; how many went."""
    deleted = db.session.execute(
        sa.delete(WalletGrant).where(WalletGrant.expires_at <= utcnow())
    )
    return int(deleted.rowcount)  # type: ignore[attr-defined]
