"""A FAPI 2.0 login judged by a certified client: openid-client (npm, panva).

Its own helpers make every client-side message: the pushed request, the
``private_key_jwt`` assertions, the DPoP proofs (retrying with the provider's nonce)
and PKCE; it checks the authorization response's ``iss``, the ES256 ID token, and
that userinfo, refresh and introspection accept what they should. The person's side
is the login pages, driven over HTTP.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx2 as httpx
import pytest
from joserfc.jwk import ECKey

from app.unit_of_work import transaction
from identity.vneid.clients import register_client
from tests.demo_ids import AN
from tests.identity.oidc import sign_in, unique_client_id

JUDGES = Path(__file__).resolve().parents[1] / "judges"
REDIRECT_URI = "https://partner.example/cb"

#: Starts gunicorn and Node; the server must see what the test registers.
pytestmark = [pytest.mark.slow, pytest.mark.real_sessions]


def _fapi_client(app, tmp_path: Path, **settings) -> tuple[str, Path]:
    """Register a private_key_jwt client; its private JWK is written to a file."""
    key = ECKey.generate_key("P-256", parameters={"kid": "partner-1"})
    private_file = tmp_path / "client-key.json"
    private_file.write_text(json.dumps(key.as_dict(private=True)))
    client_id = unique_client_id()
    with app.app_context(), transaction():
        register_client(
            client_id,
            [REDIRECT_URI],
            name="Cổng dịch vụ công đối tác",
            auth_method="private_key_jwt",
            jwks={"keys": [key.as_dict(private=False)]},
            scope="openid profile national_id",
            **settings,
        )
    return client_id, private_file


def _judge(live_server, client_id: str, key_file: Path, claims: dict | None) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is needed for the judges (README, Standards)"
    command = [
        node,
        str(JUDGES / "fapi_login.mjs"),
        f"{live_server.url}/vneid",
        client_id,
        str(key_file),
        REDIRECT_URI,
        "openid profile national_id",
    ]
    if claims is not None:
        command.append(json.dumps(claims))
    with subprocess.Popen(  # noqa: S603 - our script, our arguments
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as judge:
        try:
            first = judge.stdout.readline()
            assert first, judge.stderr.read()
            url = json.loads(first)["authorization_url"]
            with (
                httpx.Client(timeout=30) as browser,
                live_server.app.app_context(),
            ):
                final = sign_in(browser, url, AN)
            assert final.status_code == 302, final.text[:500]
            judge.stdin.write(final.headers["Location"] + "\n")
            judge.stdin.flush()
            out, err = judge.communicate(timeout=60)
        finally:
            if judge.poll() is None:
                judge.kill()
    assert judge.returncode == 0, err
    return json.loads(out)


def test_openid_client_logs_in_with_par_private_key_jwt_dpop_and_pkce(
    live_server, tmp_path
):
    client_id, key_file = _fapi_client(
        live_server.app, tmp_path, verified_claims_allowed=True
    )
    claims = {
        "id_token": {"name": {"essential": True}},
        "userinfo": {
            "verified_claims": {
                "verification": {"trust_framework": None},
                "claims": {"name": None, "birthdate": None, "national_id": None},
            }
        },
    }
    result = _judge(live_server, client_id, key_file, claims)

    assert result["token_type"] == "dpop"
    assert result["refreshed_token_type"] == "dpop"
    id_token = result["id_token_claims"]
    assert id_token["iss"] == f"{live_server.url}/vneid"
    assert id_token["aud"] == client_id
    assert id_token["acr"] == "urn:vneid:loa:2"
    assert id_token["name"]  # asked into the ID token by the claims parameter
    assert "national_id" not in id_token  # scope claims stay in userinfo

    userinfo = result["userinfo"]
    assert userinfo["sub"] == id_token["sub"]
    assert userinfo["national_id"] == AN
    verified = userinfo["verified_claims"]
    assert verified["verification"]["trust_framework"] == "vn_eid"
    assert verified["verification"]["evidence"][0]["check_details"]
    assert verified["claims"]["national_id"] == AN

    introspection = result["introspection"]
    assert introspection["active"] is True
    assert introspection["token_type"] == "DPoP"
    assert introspection["cnf"]["jkt"]

    # The (refreshed) access token is useless as a bearer token, off its key.
    stolen = httpx.get(
        f"{live_server.url}/vneid/userinfo",
        headers={"Authorization": f"Bearer {result['access_token']}"},
    )
    assert stolen.status_code == 401
    assert stolen.headers["WWW-Authenticate"].startswith("DPoP ")
