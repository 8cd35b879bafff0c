"""The API's HTTP client to VNeID, the provider it is a relying party of.

With the embedded provider (development, tests) the calls go to this very
application in-process through ``httpx.WSGITransport``; pointed at the real VNeID
(``VNEID_ISSUER``) they go over the network. Nothing else changes.
"""

from __future__ import annotations

import time
from typing import Any

import httpx2 as httpx
from authlib.integrations.httpx_client import OAuth2Client
from flask import current_app

from app.errors import Problem

#: The signing algorithms accepted on the provider's tokens (pinned, never "none").
ALGORITHMS = ["RS256", "ES256"]
_METADATA_TTL = 300.0


class ProviderUnavailable(Problem):
    code, slug = 502, "identity-provider-unavailable"


def issuer() -> str:
    """The VNeID issuer the API trusts."""
    return str(current_app.config["VNEID_ISSUER"])


def client(**kwargs: Any) -> OAuth2Client:
    """An OAuth 2.0 client of the provider, as the API's confidential client."""
    transport = None
    if current_app.config["VNEID_IN_PROCESS"]:
        transport = httpx.WSGITransport(app=current_app._get_current_object())  # type: ignore[attr-defined]
    return OAuth2Client(
        client_id=current_app.config["VNEID_CLIENT_ID"],
        client_secret=current_app.config["VNEID_CLIENT_SECRET"],
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
        transport=transport,
        timeout=10.0,
        **kwargs,
    )


_metadata_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def get_json(
    http: OAuth2Client, url: str, *, cache: bool = False, with_token: bool = False
) -> dict[str, Any]:
    """GET a JSON document from the provider (502 if it cannot be read)."""
    cached = _metadata_cache.get(url)
    if cache and cached and time.monotonic() - cached[0] < _METADATA_TTL:
        return cached[1]
    try:
        response = http.request("GET", url, withhold_token=not with_token)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise ProviderUnavailable() from error
    if cache:
        _metadata_cache[url] = (time.monotonic(), document)
    return document


def provider_metadata(http: OAuth2Client) -> dict[str, Any]:
    """The provider's discovery document (cached five minutes)."""
    return get_json(http, f"{issuer()}/.well-known/openid-configuration", cache=True)
