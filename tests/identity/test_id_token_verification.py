"""The API refuses any ID token it cannot fully verify, and a userinfo not about it."""

from __future__ import annotations

import base64
import json
import time

import pytest
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from app.extensions import db
from identity.login import provider
from identity.login.models import ExternalIdentity, TokenFamily
from identity.login.relying_party import LoginFailed, _verify_id_token
from identity.models import Citizen
from identity.vneid import keys
from identity.vneid.claims import pairwise_subject
from tests.demo_ids import HAI, PHUC
from tests.identity.oidc import CONGDAN_APP, browser, redirect_params, sign_in
from tests.identity.test_api_login import finish_login, start_login
from tests.problems import assert_problem

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


def _what_a_login_touches():
    return (
        db.session.execute(sa.select(ExternalIdentity.__table__)).all(),
        db.session.execute(sa.select(TokenFamily.__table__)).all(),
        db.session.execute(sa.select(Citizen.__table__)).all(),
    )


def test_a_userinfo_about_someone_else_fails_the_login_and_links_no_one(
    app, client, citizen, monkeypatch
):
    """Phúc's ID token, but a userinfo naming Hải (his subject and national id)."""
    hai = citizen(HAI)
    real_get_json = provider.get_json

    def userinfo_about_hai(http, url, **kwargs):
        document = real_get_json(http, url, **kwargs)
        if url == f"{provider.issuer()}/userinfo":
            document = {
                **document,
                "sub": pairwise_subject(CONGDAN_APP, hai),
                "national_id": HAI,
            }
        return document

    monkeypatch.setattr(provider, "get_json", userinfo_about_hai)
    before = _what_a_login_touches()
    started = start_login(client)
    params = redirect_params(sign_in(browser(app), started["authorization_url"], PHUC))

    response = finish_login(client, params, started["code_verifier"])

    body = assert_problem(response, 400, "login-failed")
    assert "access_token" not in body
    assert _what_a_login_touches() == before
