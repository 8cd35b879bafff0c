"""Pushed authorization requests (RFC 9126), as FAPI 2.0 requires them.

The client posts its authorization request to ``/vneid/par``, authenticated, and gets
a ``request_uri`` that lives 60 seconds; the browser then opens ``/vneid/authorize``
with only ``client_id`` and that ``request_uri``. The parameters come from the push,
never from the browser's URL, so nobody on the way can change or read them.

A ``request_uri`` starts one authorization: the first browser to open it claims it,
and only that browser (a secret in its signed session) may go on through the login
pages, for ten minutes, until a code is issued. A client registered with
``require_pushed_authorization_requests`` has every plain request refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

import sqlalchemy as sa
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidRequestError,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.endpoint import Endpoint
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc9101.errors import InvalidRequestUriError
from flask import g, session

from app.db import utcnow
from app.extensions import db
from identity.vneid import claims_request, request_params, sender
from identity.vneid.issuance import CLIENT_AUTH_METHODS, issuer
from identity.vneid.models import OAuthClient, PushedRequest, digest

URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
_SESSION_KEY = "vneid_par"
#: Parameters that authenticate the push; they are not part of the request.
_CLIENT_AUTHENTICATION = frozenset(
    {"client_secret", "client_assertion", "client_assertion_type"}
)


class PushedAuthorization(Endpoint):
    """``POST /vneid/par``: validate and store an authorization request (RFC 9126 §2)."""

    ENDPOINT_NAME = "pushed_authorization"

    def create_endpoint_response(
        self, request: OAuth2Request
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        # The DPoP proof first: a push told to retry with a nonce spends nothing.
        jkt = sender.proof_key("/par")
        client: OAuthClient = self.server.authenticate_client(
            request, CLIENT_AUTH_METHODS, self.ENDPOINT_NAME
        )
        form = request.form
        if "request_uri" in form:
            raise InvalidRequestError("A pushed request cannot carry 'request_uri'.")
        if "request" in form:
            raise InvalidRequestError("Request objects are not supported.")
        if form.get("client_id", client.client_id) != client.client_id:
            raise InvalidRequestError("'client_id' is not the authenticated client.")
        parameters = {
            name: value
            for name, value in form.items()
            if name not in _CLIENT_AUTHENTICATION
        }
        parameters["client_id"] = client.client_id
        if jkt is not None:
            if parameters.get("dpop_jkt", jkt) != jkt:
                raise sender.InvalidDPoPProofError(
                    description="'dpop_jkt' is not the key of the DPoP proof."
                )
            parameters["dpop_jkt"] = jkt
        try:
            _validate_as_authorization_request(self.server, client, parameters)
        except OAuth2Error as error:
            # RFC 9126 §2.3: the push is answered, never redirected.
            error.redirect_uri = None
            raise
        request_uri = URI_PREFIX + secrets.token_urlsafe(32)
        db.session.add(
            PushedRequest(
                uri_digest=digest(request_uri),
                client_id=client.client_id,
                parameters=parameters,
                dpop_jkt=parameters.get("dpop_jkt"),
            )
        )
        body = {
            "request_uri": request_uri,
            "expires_in": int(PushedRequest.LIFETIME.total_seconds()),
        }
        return (
            201,
            body,
            [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
        )


def _validate_as_authorization_request(
    server: AuthorizationServer, client: OAuthClient, parameters: dict[str, str]
) -> None:
    """Check the parameters as ``/authorize`` would, before anyone signs in."""
    request = OAuth2Request("GET", f"{issuer()}/authorize")
    request.payload = BasicOAuth2Payload(parameters)
    request.pushed = True
    grant = server.get_authorization_grant(request)
    grant.validate_authorization_request()
    request_params.check(parameters)
    claims_request.for_client(parameters.get("claims"), client)


def _browser_claims() -> dict[str, str]:
    claims: dict[str, str] = session.setdefault(_SESSION_KEY, {})
    return claims


def _opened_by_this_browser(row: PushedRequest) -> bool:
    secret = _browser_claims().get(str(row.id))
    return bool(
        secret
        and row.claimed_by
        and hmac.compare_digest(
            hashlib.sha256(secret.encode()).hexdigest(), row.claimed_by
        )
    )


def _claim(row: PushedRequest) -> None:
    """The first opening of ``row``: bind it to this browser, once."""
    if utcnow() >= row.created_at + PushedRequest.LIFETIME:
        raise InvalidRequestUriError(description="The 'request_uri' has expired.")
    secret = secrets.token_urlsafe(32)
    claimed = db.session.execute(
        sa.update(PushedRequest)
        .where(PushedRequest.id == row.id, PushedRequest.claimed_at.is_(None))
        .values(
            claimed_at=utcnow(),
            claimed_by=hashlib.sha256(secret.encode()).hexdigest(),
        )
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise InvalidRequestUriError(description="The 'request_uri' was already used.")
    session.modified = True
    claims = _browser_claims()
    claims[str(row.id)] = secret
    # A browser keeps the few authorizations it may still be in, not all it saw.
    for stale in list(claims)[:-5]:
        claims.pop(stale)


def pushed_request(request_uri: str, client_id: str | None) -> PushedRequest:
    """The pushed request this browser may use, claiming it at its first opening.

    :raise InvalidRequestUriError: unknown, of another client, expired, completed,
        or already opened by another browser.
    """
    row = db.session.scalar(
        sa.select(PushedRequest).where(PushedRequest.uri_digest == digest(request_uri))
    )
    if row is None or row.client_id != client_id:
        raise InvalidRequestUriError(
            description="Unknown 'request_uri' for this client."
        )
    db.session.refresh(row)
    if row.completed_at is not None:
        raise InvalidRequestUriError(description="The 'request_uri' was already used.")
    if row.claimed_at is None:
        _claim(row)
    elif not _opened_by_this_browser(row):
        raise InvalidRequestUriError(description="The 'request_uri' was already used.")
    elif utcnow() >= row.claimed_at + PushedRequest.FLOW_LIFETIME:
        raise InvalidRequestUriError(description="The 'request_uri' has expired.")
    return row


def complete(request: OAuth2Request) -> None:
    """A code or an error went back for this request: its ``request_uri`` is spent."""
    row: PushedRequest | None = getattr(request, "pushed_request", None)
    if row is not None:
        row.completed_at = utcnow()


def _use_pushed_request(server: AuthorizationServer, request: OAuth2Request) -> None:
    data = request.payload.data
    request_uri = data.get("request_uri")
    client_id = request.payload.client_id
    if request_uri is None:
        if getattr(request, "pushed", False) or not client_id:
            return
        client: OAuthClient | None = server.query_client(client_id)
        if client is not None and client.require_pushed_authorization_requests:
            raise InvalidRequestError(
                "This client must push its authorization requests to the "
                "pushed_authorization_request_endpoint first."
            )
        return
    row = pushed_request(str(request_uri), client_id)
    # RFC 9126 §4: only the pushed parameters count, whatever else the URL says
    # (the pages' language too, unless the person switches it on the page).
    request.payload = BasicOAuth2Payload(dict(row.parameters))
    request.pushed_request = row
    g.vneid_pushed_ui_locales = row.parameters.get("ui_locales")


def use_pushed_requests(server: AuthorizationServer) -> None:
    """Authlib extension: ``/authorize`` reads a pushed request by its ``request_uri``."""
    server.register_hook("before_get_authorization_grant", _use_pushed_request)
