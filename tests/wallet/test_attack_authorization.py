"""Authorization code flow attacks: redirect_uri parser differential."""

import base64
import hashlib
import secrets

REGISTERED_LOOPBACK = {"127.0.0.1", "[::1]"}


def _pkce():
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_a_backslash_redirect_uri_is_refused(http):
    """Python reads "http://attacker.example\\@127.0.0.1:8765/callback" as the
    loopback, a browser as attacker.example: it never gets stored."""
    evil = "http://attacker.example\\@127.0.0.1:8765/callback"
    _, challenge = _pkce()
    pushed = http.post(
        "/oid4vci/par",
        data={
            "client_id": "congdan-wallet",
            "response_type": "code",
            "redirect_uri": evil,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "scope": "hoc_ba_sd_jwt",
            "state": "s",
        },
    )
    assert pushed.status_code == 400
    assert pushed.json()["error"] == "invalid_request"


def test_redirect_uri_with_userinfo_is_refused(http):
    _, challenge = _pkce()
    pushed = http.post(
        "/oid4vci/par",
        data={
            "client_id": "congdan-wallet",
            "response_type": "code",
            "redirect_uri": "http://attacker.example@127.0.0.1:8765/callback",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "scope": "hoc_ba_sd_jwt",
        },
    )
    assert pushed.status_code == 400, pushed.text


def test_a_redirect_uri_longer_than_its_column_is_refused_not_stored(http):
    _, challenge = _pkce()
    long_uri = "http://" + "a" * 3000 + "@127.0.0.1:8765/callback"
    pushed = http.post(
        "/oid4vci/par",
        data={
            "client_id": "congdan-wallet",
            "response_type": "code",
            "redirect_uri": long_uri,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "scope": "hoc_ba_sd_jwt",
        },
    )
    assert pushed.status_code == 400, pushed.text
