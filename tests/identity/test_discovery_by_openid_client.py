"""The provider's metadata, found the way a generic client finds it.

openid-client (the npm package, pinned in tests/judges) discovers the issuer both as
an OpenID provider (``/.well-known/openid-configuration`` appended to the issuer)
and as an RFC 8414 authorization server (``/.well-known/oauth-authorization-server``
inserted before the issuer's path), and checks the document names that issuer.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx2 as httpx
import pytest

JUDGES = Path(__file__).resolve().parents[1] / "judges"


def discover(issuer: str, algorithm: str) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is needed for the judges (README, Standards)"
    found = subprocess.run(  # noqa: S603 - our script, our arguments
        [node, str(JUDGES / "discover.mjs"), issuer, algorithm],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert found.returncode == 0, found.stderr
    return json.loads(found.stdout)


@pytest.mark.slow  # starts gunicorn and Node
def test_a_generic_client_discovers_the_provider_both_ways(live_server):
    issuer = f"{live_server.url}/vneid"
    as_openid = discover(issuer, "oidc")
    as_oauth = discover(issuer, "oauth2")
    assert as_openid["issuer"] == as_oauth["issuer"] == issuer
    assert as_oauth == as_openid
    assert as_oauth["token_endpoint"] == f"{issuer}/token"
    assert as_oauth["code_challenge_methods_supported"] == ["S256"]

    rfc8414 = httpx.get(
        f"{live_server.url}/.well-known/oauth-authorization-server/vneid"
    )
    assert rfc8414.headers["content-type"].startswith("application/json")
    assert rfc8414.headers["cache-control"] == "public, max-age=3600"


def test_the_rfc8414_document_is_the_discovery_document(client):
    inserted = client.get("/.well-known/oauth-authorization-server/vneid")
    appended = client.get("/vneid/.well-known/openid-configuration")
    assert inserted.status_code == 200
    assert inserted.get_json() == appended.get_json()
    # Without the path: the credential issuer's own authorization server
    # (OpenID4VCI), another issuer than VNeID.
    root = client.get("/.well-known/oauth-authorization-server").get_json()
    assert root["issuer"] == "http://localhost" != inserted.get_json()["issuer"]
