"""The authorization code flow (OpenID4VCI 1.0 §5, with RFC 9126 PAR and RFC
7636 PKCE): a wallet asks for the citizen's credentials, the citizen logs in
with VNeID at level 2, and the wallet gets a code for an access token.

1. The wallet pushes its request (``/oid4vci/par``): its client id, redirect
   URI, S256 code challenge and the credentials it wants (``scope`` or
   ``authorization_details``). It gets a ``request_uri`` good for 60 s, once.
2. The browser opens ``/oid4vci/authorize`` with it and is sent to VNeID; this
   issuer is VNeID's relying party (PKCE of its own, the verifier kept here,
   encrypted) and asks for ``acr=urn:vneid:loa:2``.
3. VNeID returns the browser to ``/oid4vci/callback``; the login is verified in
   full (:mod:`identity.login.relying_party`) and the wallet's redirect URI gets
   a code (60 s, once) with its ``state`` and this issuer as ``iss`` (RFC 9207).
4. The wallet redeems the code with its PKCE verifier at ``/oid4vci/token``:
   the token response lists, per configuration, the credential identifiers it
   may fetch — the citizen's own and their young children's.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import current_app

from app import audit, crypto, json_body
from app.auth import STEP_UP_ACR, Actor
from app.db import utcnow
from app.errors import Problem
from app.extensions import db
from identity.login import relying_party
from wallet import grants, records
from wallet.models import WalletAuthorization
from wallet.problems import InvalidClient, InvalidGrant, InvalidRequest
from wallet.types import TYPES, CredentialType

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
REQUEST_URI_LIFETIME = timedelta(seconds=60)
LOGIN_LIFETIME = timedelta(minutes=10)
CODE_LIFETIME = timedelta(seconds=60)
_VERIFIER_PURPOSE = "oid4vci-login-verifier"
_LOOPBACK = ("127.0.0.1", "[::1]")
#: Under the column's 2048: a redirect URI is a short address, not a payload.
MAX_REDIRECT_URI = 2000


def callback_url() -> str:
    """Where VNeID returns the browser (registered with VNeID for this client)."""
    return f"{current_app.config['BASE_URL']}/oid4vci/callback"


def _registered(client_id: str, redirect_uri: str) -> bool:
    """Whether ``redirect_uri`` is one of the wallet's (a loopback URI on any
    port, as RFC 8252 §7.3 lets native apps listen)."""
    uris = current_app.config["WALLET_CLIENTS"].get(client_id)
    if not uris or len(redirect_uri) > MAX_REDIRECT_URI:
        return False
    if redirect_uri in uris:
        return True
    # Read alike by every URL parser: no userinfo ("evil@127.0.0.1") and no
    # backslash, which browsers read as a slash where Python does not.
    if "@" in redirect_uri or "\\" in redirect_uri:
        return False
    try:
        asked = urlsplit(redirect_uri)
        asked_port = asked.port
    except ValueError:
        return False
    if asked.scheme != "http" or asked.hostname is None or asked_port is None:
        return False
    host = f"[{asked.hostname}]" if ":" in asked.hostname else asked.hostname
    if host not in _LOOPBACK or asked.query or asked.fragment:
        return False
    return any(
        (registered := urlsplit(uri)).scheme == "http"
        and registered.netloc == host
        and registered.path == asked.path
        for uri in uris
    )


def _requested(form: dict[str, str]) -> list[CredentialType]:
    wanted: list[CredentialType] = [
        TYPES[scope] for scope in form.get("scope", "").split() if scope in TYPES
    ]
    if "authorization_details" in form:
        try:
            details = json_body.loads(form["authorization_details"])
        except ValueError:
            raise InvalidRequest(
                detail_key="wallet-invalid-request.authorization-details"
            ) from None
        if not isinstance(details, list) or not all(
            isinstance(d, dict)
            and d.get("type") == "openid_credential"
            and isinstance(d.get("credential_configuration_id"), str)
            and d["credential_configuration_id"] in TYPES
            for d in details
        ):
            raise InvalidRequest(
                detail_key="wallet-invalid-request.authorization-details"
            )
        wanted += [TYPES[d["credential_configuration_id"]] for d in details]
    if not wanted:
        raise InvalidRequest(detail_key="wallet-invalid-request.nothing-asked")
    return list(dict.fromkeys(wanted))


def push(form: dict[str, str]) -> dict[str, Any]:
    """Keep a wallet's authorization request; answer its ``request_uri``.

    :raise InvalidClient: an unknown wallet.
    :raise InvalidRequest: not a code request with S256 PKCE to a registered
        redirect URI asking for a credential this issuer has.
    """
    client_id = form.get("client_id", "")
    redirect_uri = form.get("redirect_uri", "")
    if client_id not in current_app.config["WALLET_CLIENTS"]:
        raise InvalidClient()
    if not _registered(client_id, redirect_uri):
        raise InvalidRequest(detail_key="wallet-invalid-request.redirect-uri")
    if form.get("response_type") != "code":
        raise InvalidRequest(detail_key="wallet-invalid-request.response-type")
    challenge = form.get("code_challenge", "")
    if form.get("code_challenge_method") != "S256" or not 43 <= len(challenge) <= 128:
        raise InvalidRequest(detail_key="wallet-invalid-request.pkce")
    if "request_uri" in form or "request" in form:
        raise InvalidRequest(detail_key="wallet-invalid-request.nested")
    wanted = _requested(form)
    state = form.get("state")
    if state is not None and len(state) > 512:
        raise InvalidRequest(detail_key="wallet-invalid-request.state")
    reference = grants.secret()
    db.session.add(
        WalletAuthorization(
            request_digest=grants.digest(reference),
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=challenge,
            configuration_ids=[kind.configuration_id for kind in wanted],
            state=state,
            expires_at=utcnow() + REQUEST_URI_LIFETIME,
        )
    )
    db.session.flush()
    return {
        "request_uri": REQUEST_URI_PREFIX + reference,
        "expires_in": int(REQUEST_URI_LIFETIME.total_seconds()),
    }


def start_login(client_id: str, request_uri: str) -> str:
    """Spend a pushed request and say where the browser logs in (VNeID).

    :raise InvalidRequest: unknown, expired, used, or another client's.
    """
    reference = request_uri.removeprefix(REQUEST_URI_PREFIX)
    found = db.session.scalar(
        sa.select(WalletAuthorization)
        .where(
            WalletAuthorization.request_digest == grants.digest(reference),
            WalletAuthorization.login_state.is_(None),
        )
        .with_for_update()
    )
    if (
        not request_uri.startswith(REQUEST_URI_PREFIX)
        or found is None
        or found.client_id != client_id
        or utcnow() >= found.expires_at
    ):
        raise InvalidRequest(detail_key="wallet-invalid-request.request-uri")
    verifier = secrets.token_urlsafe(48)
    started = relying_party.start(
        callback_url(),
        create_s256_code_challenge(verifier),
        acr_values=STEP_UP_ACR,
        max_age=None,
        prompt="login",
    )
    found.login_state = started.state
    found.login_verifier = crypto.encrypt(verifier, _VERIFIER_PURPOSE)
    found.expires_at = utcnow() + LOGIN_LIFETIME
    return started.authorization_url


def _back_to_wallet(found: WalletAuthorization, params: dict[str, str]) -> str:
    answer = {**params, "iss": current_app.config["BASE_URL"]}
    if found.state is not None:
        answer["state"] = found.state
    separator = "&" if urlsplit(found.redirect_uri).query else "?"
    return f"{found.redirect_uri}{separator}{urlencode(answer)}"


def finish_login(args: dict[str, str]) -> str:
    """Verify the citizen's VNeID login and answer where the browser goes next:
    the wallet's redirect URI with a code, or with ``access_denied``.

    :raise InvalidRequest: no pending login has this ``state``.
    """
    found = db.session.scalar(
        sa.select(WalletAuthorization)
        .where(WalletAuthorization.login_state == args.get("state", ""))
        .with_for_update()
    )
    if (
        found is None
        or found.login_verifier is None
        or found.code_digest is not None
        or utcnow() >= found.expires_at
    ):
        raise InvalidRequest(detail_key="wallet-invalid-request.login-state")
    if "code" not in args:
        found.expires_at = utcnow()
        return _back_to_wallet(found, {"error": "access_denied"})
    verifier = crypto.decrypt(found.login_verifier, _VERIFIER_PURPOSE)
    try:
        login_state = relying_party.consume_state(args["state"], verifier)
        claims, userinfo, id_token = relying_party.redeem(
            args["code"], login_state, verifier
        )
        login = relying_party.link_citizen(claims, userinfo, id_token)
    except Problem as refused:
        # A login VNeID would not vouch for, an account not in the register, or
        # VNeID down: the wallet is told, the browser does not stay here.
        found.expires_at = utcnow()
        busy = (refused.code or 500) >= 500
        return _back_to_wallet(
            found, {"error": "temporarily_unavailable" if busy else "access_denied"}
        )
    if login.acr != STEP_UP_ACR:
        found.expires_at = utcnow()
        return _back_to_wallet(found, {"error": "access_denied"})
    code = grants.secret()
    found.citizen_id = login.citizen.id
    found.code_digest = grants.digest(code)
    found.expires_at = utcnow() + CODE_LIFETIME
    return _back_to_wallet(found, {"code": code})


def redeem(
    form: dict[str, str], dpop_jkt: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Exchange a code and its PKCE verifier for an access token (once).

    :return: the token and its ``authorization_details`` (the identifiers of
        every credential asked for that the citizen may add).
    :raise InvalidGrant: the code is unknown, expired, used, another client's or
        redirect URI's, or the verifier does not match; or nothing is left to add.
    """
    found = db.session.scalar(
        sa.select(WalletAuthorization)
        .where(WalletAuthorization.code_digest == grants.digest(form.get("code", "")))
        .with_for_update()
    )
    verifier = form.get("code_verifier", "")
    if (
        found is None
        or found.citizen_id is None
        or found.redeemed_at is not None
        or utcnow() >= found.expires_at
        or found.client_id != form.get("client_id")
        or found.redirect_uri != form.get("redirect_uri")
        or not hmac.compare_digest(
            create_s256_code_challenge(verifier), found.code_challenge
        )
    ):
        raise InvalidGrant(detail_key="wallet-invalid-grant.code")
    found.redeemed_at = utcnow()
    actor = Actor(citizen_id=found.citizen_id, acr=STEP_UP_ACR)
    wanted = [TYPES[c] for c in found.configuration_ids]
    offerable = records.available(actor, wanted)
    if not offerable:
        raise InvalidGrant(detail_key="wallet-invalid-grant.nothing-to-add")
    token, _ = grants.mint(
        found.citizen_id,
        {o.identifier: o.kind.configuration_id for o in offerable},
        client_id=found.client_id,
        dpop_jkt=dpop_jkt,
    )
    audit.record(
        "wallet.authorized",
        "success",
        actor_id=found.citizen_id,
        details={"client": found.client_id, "credentials": len(offerable)},
    )
    details = [
        {
            "type": "openid_credential",
            "credential_configuration_id": kind.configuration_id,
            "credential_identifiers": ids,
        }
        for kind in wanted
        if (ids := [o.identifier for o in offerable if o.kind is kind])
    ]
    return token, details


def purge_expired() -> int:
    """Delete authorizations past their life; how many went."""
    deleted = db.session.execute(
        sa.delete(WalletAuthorization).where(WalletAuthorization.expires_at <= utcnow())
    )
    return int(deleted.rowcount)  # type: ignore[attr-defined]
