"""DPoP (RFC 9449) at /oid4vci/token and /oid4vci/credential."""

import hashlib
import json
import secrets
import time

import pytest
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS

from tests.wallet.conftest import redeem
from wallet.holder import Wallet

TOKEN_URL = "http://localhost/oid4vci/token"
CREDENTIAL_URL = "http://localhost/oid4vci/credential"


def _b64(raw):
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def proof(key, method="POST", url=TOKEN_URL, token=None, header=None, **claims):
    body = {
        "htm": method,
        "htu": url,
        "iat": int(time.time()),
        "jti": secrets.token_urlsafe(16),
    }
    if token is not None:
        body["ath"] = _b64(hashlib.sha256(token.encode()).digest())
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    s = JWS(json.dumps(body))
    s.add_signature(
        key,
        alg="ES256",
        protected=json.dumps(
            header
            or {
                "typ": "dpop+jwt",
                "alg": "ES256",
                "jwk": json.loads(key.export_public()),
            }
        ),
    )
    return s.serialize(compact=True)


@pytest.fixture
def bound(http, card_offer):
    key = JWK.generate(kty="EC", crv="P-256")
    answer = redeem(http, card_offer) if False else None
    grant = http.get(card_offer["credential_offer_uri"]).json()["grants"][
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    ]
    answer = http.post(
        "/oid4vci/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": grant["pre-authorized_code"],
            "tx_code": card_offer["tx_code"],
        },
        headers={"DPoP": proof(key)},
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["token_type"] == "DPoP"
    return (
        body["access_token"],
        body["authorization_details"][0]["credential_identifiers"][0],
        key,
    )


def _body(http, identifier):
    holder = Wallet(http)
    nonce = http.post("/oid4vci/nonce").json()["c_nonce"]
    wallet_key = JWK.generate(kty="EC", crv="P-256")
    return {
        "credential_identifier": identifier,
        "proofs": {"jwt": [holder.key_proof(wallet_key, "http://localhost", nonce)]},
    }


def test_a_bound_token_works_with_its_proof(http, bound):
    token, identifier, key = bound
    answer = http.post(
        "/oid4vci/credential",
        json=_body(http, identifier),
        headers={
            "Authorization": f"DPoP {token}",
            "DPoP": proof(key, url=CREDENTIAL_URL, token=token),
        },
    )
    assert answer.status_code == 200, answer.json()


@pytest.mark.parametrize(
    "case",
    ["bearer", "no-proof", "no-ath", "other-key", "htm", "htu", "old-iat", "private"],
)
def test_a_bound_token_without_a_good_proof_is_refused(http, bound, case):
    token, identifier, key = bound
    other = JWK.generate(kty="EC", crv="P-256")
    headers = {"Authorization": f"DPoP {token}"}
    if case == "bearer":
        headers = {
            "Authorization": f"Bearer {token}",
            "DPoP": proof(key, url=CREDENTIAL_URL, token=token),
        }
    elif case == "no-ath":
        headers["DPoP"] = proof(key, url=CREDENTIAL_URL)
    elif case == "other-key":
        headers["DPoP"] = proof(other, url=CREDENTIAL_URL, token=token)
    elif case == "htm":
        headers["DPoP"] = proof(key, method="GET", url=CREDENTIAL_URL, token=token)
    elif case == "htu":
        headers["DPoP"] = proof(key, url=TOKEN_URL, token=token)
    elif case == "old-iat":
        headers["DPoP"] = proof(
            key, url=CREDENTIAL_URL, token=token, iat=int(time.time()) - 600
        )
    elif case == "private":
        headers["DPoP"] = proof(
            key,
            url=CREDENTIAL_URL,
            token=token,
            header={
                "typ": "dpop+jwt",
                "alg": "ES256",
                "jwk": json.loads(key.export_private()),
            },
        )
    answer = http.post(
        "/oid4vci/credential", json=_body(http, identifier), headers=headers
    )
    assert answer.status_code == 401, (case, answer.json())


def test_a_dpop_proof_is_not_replayed_after_a_refused_request(http, bound):
    token, identifier, key = bound
    headers = {
        "Authorization": f"DPoP {token}",
        "DPoP": proof(key, url=CREDENTIAL_URL, token=token),
    }
    first = http.post(
        "/oid4vci/credential",
        json={"credential_identifier": identifier, "proofs": {"jwt": ["x"]}},
        headers=headers,
    )
    assert first.status_code == 400
    again = http.post(
        "/oid4vci/credential", json=_body(http, identifier), headers=headers
    )
    assert again.status_code == 401, again.json()


def test_an_unbound_token_is_not_accepted_as_dpop(http, card_offer):
    answer = redeem(http, card_offer)
    token = answer.json()["access_token"]
    key = JWK.generate(kty="EC", crv="P-256")
    result = http.post(
        "/oid4vci/credential",
        json={"credential_identifier": "x", "proofs": {"jwt": ["x"]}},
        headers={
            "Authorization": f"DPoP {token}",
            "DPoP": proof(key, url=CREDENTIAL_URL, token=token),
        },
    )
    assert result.status_code == 401


def test_a_bad_dpop_proof_at_the_token_endpoint_does_not_spend_the_offer(
    http, card_offer
):
    key = JWK.generate(kty="EC", crv="P-256")
    grant = http.get(card_offer["credential_offer_uri"]).json()["grants"][
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    ]
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        "pre-authorized_code": grant["pre-authorized_code"],
        "tx_code": card_offer["tx_code"],
    }
    bad = http.post(
        "/oid4vci/token", data=form, headers={"DPoP": proof(key, method="GET")}
    )
    assert bad.status_code in (400, 401)
    good = http.post("/oid4vci/token", data=form, headers={"DPoP": proof(key)})
    assert good.status_code == 200, good.json()


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "EC", "crv": "P-256", "x": 1, "y": 2},
        {"kty": "EC", "crv": "P-256", "x": None, "y": None},
        {"kty": "EC", "crv": "P-384", "x": "AAAA", "y": "AAAA"},
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        },
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "RSA", "n": 5, "e": 3},
        {"kty": ["EC"]},
        {"kty": "EC", "crv": ["P-256"], "x": "a", "y": "b"},
        {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
        {"kty": "oct"},
        {},
    ],
)
@pytest.mark.parametrize("where", ["token", "credential-dpop", "credential-keyproof"])
def test_odd_keys_are_no_500(http, card_offer, jwk, where):
    key = JWK.generate(kty="EC", crv="P-256")
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}
    if where == "token":
        r = http.post(
            "/oid4vci/token",
            data={"grant_type": "x"},
            headers={"DPoP": proof(key, header=header)},
        )
    elif where == "credential-dpop":
        r = http.post(
            "/oid4vci/credential",
            json={"credential_identifier": "x", "proofs": {"jwt": ["x"]}},
            headers={
                "Authorization": "DPoP abc",
                "DPoP": proof(key, url=CREDENTIAL_URL, header=header),
            },
        )
    else:
        answer = redeem(http, card_offer)
        token = answer.json()["access_token"]
        ident = answer.json()["authorization_details"][0]["credential_identifiers"][0]
        body = {
            "aud": "http://localhost",
            "iat": int(time.time()),
            "nonce": http.post("/oid4vci/nonce").json()["c_nonce"],
        }
        s = JWS(json.dumps(body))
        s.add_signature(
            key,
            alg="ES256",
            protected=json.dumps(
                {"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": jwk}
            ),
        )
        r = http.post(
            "/oid4vci/credential",
            json={
                "credential_identifier": ident,
                "proofs": {"jwt": [s.serialize(compact=True)]},
            },
            headers={"Authorization": f"Bearer {token}"},
        )
    assert r.status_code < 500, r.text
