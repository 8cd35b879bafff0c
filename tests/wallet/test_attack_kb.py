"""Key-binding JWT tricks against the verifier (alg none, another key in the
header, stale or non-numeric iat, audience lists, extra or missing parts): each
refused with its reason."""

import base64
import json
import time

import pytest
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS

from app import sd_jwt
from tests.wallet.test_presentation import _post, _present


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _kb(key, header, claims):
    s = JWS(json.dumps(claims))
    s.add_signature(key, alg="ES256", protected=json.dumps(header))
    return s.serialize(compact=True)


def _base(stored, made):
    presentation, params = _present(stored, made["request_link"])
    presented = presentation.rsplit("~", 1)[0] + "~"
    return presented, params


def _claims(params, presented, **changes):
    c = {
        "aud": params["client_id"],
        "nonce": params["nonce"],
        "iat": int(time.time()),
        "sd_hash": sd_jwt.digest(presented),
    }
    c.update(changes)
    return {k: v for k, v in c.items() if v is not None}


@pytest.mark.parametrize(
    "case",
    [
        "none",
        "typ-jwt",
        "future",
        "past",
        "hash-no-tilde",
        "extra-tilde",
        "aud-list",
        "nonce-int",
        "other-key-in-header",
        "iat-str",
        "iat-nan",
        "double-kb",
        "no-issuer-jwt-tail",
    ],
)
def test_key_binding_tricks_are_refused(http, stored, ask, case):
    made = ask()
    presented, params = _base(stored, made)
    key = JWK(**stored.key)
    header = {"alg": "ES256", "typ": "kb+jwt"}
    claims = _claims(params, presented)
    body = presented
    if case == "none":
        kb = (
            _b64(json.dumps({"alg": "none", "typ": "kb+jwt"}).encode())
            + "."
            + _b64(json.dumps(claims).encode())
            + "."
        )
    elif case == "typ-jwt":
        kb = _kb(key, {"alg": "ES256", "typ": "JWT"}, claims)
    elif case == "future":
        kb = _kb(key, header, _claims(params, presented, iat=int(time.time()) + 3600))
    elif case == "past":
        kb = _kb(key, header, _claims(params, presented, iat=int(time.time()) - 3600))
    elif case == "hash-no-tilde":
        kb = _kb(
            key,
            header,
            _claims(params, presented, sd_hash=sd_jwt.digest(presented[:-1])),
        )
    elif case == "extra-tilde":
        body = presented + "~"
        kb = _kb(key, header, _claims(params, body))
    elif case == "aud-list":
        kb = _kb(key, header, _claims(params, presented, aud=[params["client_id"]]))
    elif case == "nonce-int":
        kb = _kb(key, header, _claims(params, presented, nonce=1))
    elif case == "other-key-in-header":
        other = JWK.generate(kty="EC", crv="P-256")
        kb = _kb(other, {**header, "jwk": json.loads(other.export_public())}, claims)
    elif case == "iat-str":
        kb = _kb(key, header, _claims(params, presented, iat=str(int(time.time()))))
    elif case == "iat-nan":
        kb = _kb(key, header, {**claims, "iat": float("nan")})
    elif case == "double-kb":
        kb = _kb(key, header, claims) + "~" + _kb(key, header, claims)
    elif case == "no-issuer-jwt-tail":
        body = "~" + presented
        kb = _kb(key, header, _claims(params, body))
    response = _post(http, params, body + kb)
    assert response.status_code == 400
