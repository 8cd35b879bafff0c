"""The test phone: the key it makes for a login, and the DPoP proofs it signs.

The API's tokens are bound to a key of the phone (RFC 9449): every call carries
``Authorization: DPoP <token>`` and a fresh proof of that key. Tests get tokens
from :func:`tests.conftest.token_headers` (bound to a key made here) or from a real
login; the test client (``ArrangedFirstClient``) then signs a proof for every
request that presents such a token, with the token's own key, as the phone would.
For a live server, :class:`PhoneAuth` does the same for httpx.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Generator

import httpx2 as httpx
from joserfc.jwk import ECKey

from tools.phone_key import proof

#: The base URL of the test applications (``tests.conftest.app_config``).
TEST_BASE_URL = "http://localhost"

#: Every key the test phone made, by RFC 7638 thumbprint (a token's ``cnf.jkt``).
_KEYS: dict[str, ECKey] = {}


def new_key() -> ECKey:
    """A key as a phone makes one for a login (P-256, for ES256)."""
    key = ECKey.generate_key("P-256", private=True)
    _KEYS[key.thumbprint()] = key
    return key


def key_of(token: str) -> ECKey | None:
    """The key ``token`` is bound to (its ``cnf.jkt``), if the test phone made it."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    except (IndexError, ValueError):
        return None
    jkt = (payload.get("cnf") or {}).get("jkt") if isinstance(payload, dict) else None
    return _KEYS.get(jkt) if isinstance(jkt, str) else None


def signed_headers(
    method: str, url: str, token: str, key: ECKey | None = None
) -> dict[str, str]:
    """``Authorization`` and ``DPoP`` for one call with ``token``."""
    holder = key or key_of(token)
    assert holder is not None, "this token's key is unknown to the test phone"
    return {
        "Authorization": f"DPoP {token}",
        "DPoP": proof(holder, method, url, token),
    }


class PhoneAuth(httpx.Auth):
    """httpx authentication as the phone: the token and a fresh proof each call."""

    def __init__(self, token: str, key: ECKey | None = None) -> None:
        self.token = token
        self.key = key or key_of(token)

    def auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(
            signed_headers(request.method, str(request.url), self.token, self.key)
        )
        yield request


class LoginProof(httpx.Auth):
    """httpx authentication for the login and refresh calls: a proof, no token."""

    def __init__(self, key: ECKey) -> None:
        self.key = key

    def auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["DPoP"] = proof(self.key, request.method, str(request.url))
        yield request
