"""A FAPI 2.0 client made by hand, for the attacks a library would never send.

The happy path is judged by openid-client (test_fapi_by_openid_client); these
helpers build assertions and proofs with one field wrong at a time.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import Flask
from joserfc import jwt
from joserfc.jwk import ECKey

from app import dpop
from app.extensions import db
from identity.vneid.clients import register_client
from tests.demo_ids import AN
from tests.identity.oidc import browser, redirect_params, sign_in, unique_client_id

ISSUER = "http://localhost/vneid"
TOKEN_URL = f"{ISSUER}/token"
PAR_URL = f"{ISSUER}/par"
USERINFO_URL = f"{ISSUER}/userinfo"
REDIRECT_URI = "https://partner.example/cb"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def new_key(kid: str | None = None) -> ECKey:
    """A fresh P-256 key pair."""
    return ECKey.generate_key(
        "P-256", parameters={"kid": kid or uuid.uuid4().hex[:8]}, private=True
    )


@dataclass
class FapiClient:
    """A registered private_key_jwt client and its key."""

    client_id: str
    key: ECKey

    def assertion(self, **changes: Any) -> str:
        """A client assertion for the provider; ``changes`` override its claims."""
        key = changes.pop("signing_key", None) or self.key
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": ISSUER,
            "iat": now,
            "exp": now + 60,
            "jti": generate_token(16),
        }
        claims.update(changes)
        header = {"alg": "ES256", "kid": key.kid}
        return jwt.encode(header, claims, key)

    def auth(self, **changes: Any) -> dict[str, str]:
        """The form fields of ``private_key_jwt``."""
        return {
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(**changes),
        }


def fapi_client(
    *,
    client_id: str | None = None,
    scope: str = "openid profile national_id",
    **settings: Any,
) -> FapiClient:
    """Register a FAPI client (pushed requests, DPoP-bound tokens) in this app."""
    key = new_key()
    client_id = client_id or unique_client_id()
    register_client(
        client_id,
        [REDIRECT_URI],
        name="Cổng dịch vụ công đối tác",
        auth_method="private_key_jwt",
        jwks={"keys": [key.as_dict(private=False)]},
        scope=scope,
        **settings,
    )
    db.session.commit()
    return FapiClient(client_id, key)


def proof(
    key: ECKey,
    method: str,
    url: str,
    *,
    access_token: str | None = None,
    nonce: str | None = "current",
    **changes: Any,
) -> str:
    """A DPoP proof; ``nonce="current"`` takes the provider's nonce of now."""
    claims: dict[str, Any] = {
        "jti": generate_token(16),
        "htm": method,
        "htu": url,
        "iat": int(time.time()),
    }
    if nonce == "current":
        claims["nonce"] = dpop.current_nonce()
    elif nonce is not None:
        claims["nonce"] = nonce
    if access_token is not None:
        claims["ath"] = dpop.access_token_hash(access_token)
    claims.update(changes)
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    return jwt.encode(header, claims, key)


@dataclass
class Pushed:
    """A pushed authorization request and what redeems its code."""

    request_uri: str
    verifier: str
    nonce: str


def push(
    http: Any,
    client: FapiClient,
    *,
    dpop_key: ECKey | None = None,
    **params: str,
) -> Any:
    """POST a pushed authorization request; the raw response."""
    verifier = generate_token(48)
    form = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile",
        "state": generate_token(16),
        "nonce": generate_token(16),
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
        **client.auth(),
    }
    form.update(params)
    headers = {"DPoP": proof(dpop_key, "POST", PAR_URL)} if dpop_key else {}
    response = http.post("/vneid/par", data=form, headers=headers)
    response.verifier = verifier
    return response


def authorize_url(client: FapiClient, request_uri: str) -> str:
    return f"/vneid/authorize?client_id={client.client_id}&request_uri={request_uri}"


def code_for(
    app: Flask, client: FapiClient, http: Any, **push_params: Any
) -> tuple[str, str]:
    """Push, sign in as An in a new browser, and return (code, verifier)."""
    pushed = push(http, client, **push_params)
    assert pushed.status_code == 201, pushed.get_data(as_text=True)
    with browser(app) as b:
        final = sign_in(b, authorize_url(client, pushed.get_json()["request_uri"]), AN)
    return redirect_params(final)["code"], pushed.verifier


def redeem(
    http: Any,
    client: FapiClient,
    code: str,
    verifier: str,
    dpop_key: ECKey | None,
    **proof_changes: Any,
) -> Any:
    """The token request for ``code``, with a proof by ``dpop_key`` if given."""
    headers = (
        {"DPoP": proof(dpop_key, "POST", TOKEN_URL, **proof_changes)}
        if dpop_key
        else {}
    )
    return http.post(
        "/vneid/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            **client.auth(),
        },
        headers=headers,
    )


def userinfo(
    http: Any, access_token: str, key: ECKey | None, **changes: Any
) -> httpx.Response:
    """Userinfo with ``Authorization: DPoP`` and a proof by ``key``."""
    headers = {"Authorization": f"DPoP {access_token}"}
    if key is not None:
        headers["DPoP"] = proof(
            key, "GET", USERINFO_URL, access_token=access_token, **changes
        )
    return http.get("/vneid/userinfo", headers=headers)
