"""The API refuses any ID token it cannot fully verify."""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from identity.login.relying_party import LoginFailed, _verify_id_token
from identity.vneid import keys

NONCE = "expected-nonce"


def claims(**overrides):
    now = int(time.time())
    base = {
        "iss": "http://localhost/vneid",
        "sub": "pairwise-subject",
        "aud": "congdan-app",
        "azp": "congdan-app",
        "iat": now,
        "exp": now + 600,
        "auth_time": now,
        "nonce": NONCE,
        "acr": "urn:vneid:loa:2",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload, key=None, alg="RS256"):
    key = key or keys.active_signing_key(alg)
    return jwt.encode({"alg": alg, "kid": key.kid}, payload, key)


def provider_jwks():
    return keys.verification_keys()


def test_genuine_token_is_accepted(app):
    verified = _verify_id_token(signed(claims()), NONCE, provider_jwks())
    assert verified["sub"] == "pairwise-subject"


def test_es256_token_is_accepted(app):
    verified = _verify_id_token(signed(claims(), alg="ES256"), NONCE, provider_jwks())
    assert verified["acr"] == "urn:vneid:loa:2"


def _unsigned(payload):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(payload)}."


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda: _unsigned(claims()), id="alg-none"),
        pytest.param(
            lambda: signed(claims(), RSAKey.generate_key(2048, auto_kid=True)),
            id="key-not-in-jwks",
        ),
        pytest.param(lambda: signed(claims(nonce="other")), id="wrong-nonce"),
        pytest.param(lambda: signed(claims(aud="someone-else")), id="wrong-audience"),
        pytest.param(
            lambda: signed(claims(iss="https://evil.example")), id="wrong-issuer"
        ),
        pytest.param(lambda: signed(claims(exp=int(time.time()) - 60)), id="expired"),
        pytest.param(lambda: signed(claims(acr=None)), id="no-acr"),
        pytest.param(lambda: signed(claims(azp="someone-else")), id="wrong-azp"),
    ],
)
def test_unverifiable_tokens_are_refused(app, make_token):
    with pytest.raises(LoginFailed):
        _verify_id_token(make_token(), NONCE, provider_jwks())


def test_hs256_with_a_public_key_as_secret_is_refused(app):
    """Algorithm confusion: an RSA public key used as an HMAC secret."""
    from joserfc.jwk import OctKey

    public = keys.published_jwks()["keys"][0]["n"]
    token = jwt.encode({"alg": "HS256"}, claims(), OctKey.import_key(public))
    with pytest.raises(LoginFailed):
        _verify_id_token(token, NONCE, KeySet.import_key_set(keys.published_jwks()))
