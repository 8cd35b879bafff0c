"""Back-channel logout from the provider to its relying parties.

OpenID Connect Back-Channel Logout 1.0: when a provider session ends, every client
that holds tokens of that session and registered a ``backchannel_logout_uri`` gets
a *logout token* — a signed JWT typed ``logout+jwt`` naming the session (``sid``)
and the subject — POSTed to that URI, so it can end its own session of that login.

Logout tokens are made while the logout is decided (:func:`queue`) and sent only
after the logout is committed (:func:`deliver_pending`): a relying party told of a
logout must never find the provider still holding it. A relying party on this very
host (the API) is reached in-process, as the API reaches the embedded provider.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
import sqlalchemy as sa
from flask import current_app, g
from joserfc import jwt

from app import audit, unit_of_work
from app.db import utcnow
from app.extensions import db
from identity.vneid import keys
from identity.vneid.claims import pairwise_subject
from identity.vneid.models import LoginSession, OAuthClient, ProviderToken

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: Logout tokens are meant for immediate delivery (spec §2.4: a short ``exp``).
LOGOUT_TOKEN_LIFETIME = timedelta(minutes=2)
_PENDING = "vneid_backchannel_pending"
_TIMEOUT = 5.0


@dataclass(frozen=True)
class LogoutNotice:
    """One logout token on its way to one client."""

    client_id: str
    uri: str
    logout_token: str


def logout_token(client: OAuthClient, session: LoginSession, issuer: str) -> str:
    """A logout token for ``client`` about ``session`` (spec §2.4).

    It carries ``sid`` and the client's pairwise ``sub``, the back-channel logout
    event, a unique ``jti`` and a two-minute lifetime, and never a ``nonce`` (so it
    can never pass for an ID token).
    """
    alg = (
        client.id_token_signed_response_alg
        if client.id_token_signed_response_alg in keys.SUPPORTED_ALGORITHMS
        else "RS256"
    )
    key = keys.active_signing_key(alg)
    now = int(utcnow().timestamp())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": client.client_id,
        "iat": now,
        "exp": now + int(LOGOUT_TOKEN_LIFETIME.total_seconds()),
        "jti": uuid.uuid4().hex,
        "sub": pairwise_subject(client.client_id, session.citizen),
        "sid": str(session.id),
        "events": {LOGOUT_EVENT: {}},
    }
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": "logout+jwt"}, claims, key)


def queue(session: LoginSession, issuer: str) -> None:
    """Make a logout token for every client with tokens of ``session``; send later."""
    clients = db.session.scalars(
        sa.select(OAuthClient).where(
            OAuthClient.backchannel_logout_uri.is_not(None),
            OAuthClient.client_id.in_(
                sa.select(ProviderToken.client_id)
                .where(ProviderToken.session_id == session.id)
                .distinct()
            ),
        )
    ).all()
    if clients and _PENDING not in g:
        unit_of_work.after_commit(deliver_pending)
    pending: list[LogoutNotice] = g.setdefault(_PENDING, [])
    for client in clients:
        if client.backchannel_logout_uri:
            pending.append(
                LogoutNotice(
                    client.client_id,
                    client.backchannel_logout_uri,
                    logout_token(client, session, issuer),
                )
            )


def _transport(uri: str) -> httpx.BaseTransport | None:
    """In-process when the client lives on this very host, else the network."""
    here = urlsplit(current_app.config["BASE_URL"])
    there = urlsplit(uri)
    if (there.scheme, there.netloc) == (here.scheme, here.netloc):
        return httpx.WSGITransport(app=current_app._get_current_object())  # type: ignore[attr-defined]
    return None


def deliver_pending() -> None:
    """POST every queued logout token (once the logout is committed).

    A client that cannot be reached or refuses the token does not undo the logout
    at the provider; the failure is audited.
    """
    pending: list[LogoutNotice] = g.pop(_PENDING, [])
    for notice in pending:
        try:
            with httpx.Client(
                transport=_transport(notice.uri), timeout=_TIMEOUT
            ) as client:
                response = client.post(
                    notice.uri,
                    data={"logout_token": notice.logout_token},
                    headers={"Cache-Control": "no-store"},
                )
            outcome = "success" if response.status_code == 200 else "failure"
            status: int | None = response.status_code
        except httpx.HTTPError:
            outcome, status = "failure", None
        audit.record(
            "vneid.backchannel_logout",
            outcome,
            client_id=notice.client_id,
            details={"status": status},
        )
