"""Input nested far deeper than any wallet sends, at the presentation response
and the pushed authorization request: a refusal, never a 500."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit


def _params(link):
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


def test_deep_vp_token(http, ask):
    p = _params(ask()["request_link"])
    r = http.post(
        p["response_uri"], data={"vp_token": "[" * 50000, "state": p["state"]}
    )
    assert r.status_code == 400


def test_deep_authorization_details(http):
    v = secrets.token_urlsafe(48)
    ch = (
        base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    r = http.post(
        "/oid4vci/par",
        data={
            "client_id": "congdan-wallet",
            "response_type": "code",
            "redirect_uri": "http://127.0.0.1:8765/callback",
            "code_challenge": ch,
            "code_challenge_method": "S256",
            "authorization_details": "[" * 50000,
        },
    )
    assert r.status_code == 400


def test_deep_credential_body(http):
    r = http.post(
        "/oid4vci/credential",
        content="[" * 50000,
        headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
    )
    assert r.status_code in (400, 401)
