"""Attacks on DPoP proofs (RFC 9449) and keys (FAPI 2.0 §5.4.1). Fail on 7bea39a."""

from __future__ import annotations

import json
import time
import warnings

import pytest
from authlib.common.security import generate_token
from joserfc import jws
from joserfc.jwk import RSAKey

from app import dpop
from identity.vneid.clients import InvalidClientMetadataError, register_client
from tests.identity.fapi import PAR_URL, REDIRECT_URI, fapi_client, new_key
from tests.identity.oidc import unique_client_id


def _signed(key, alg, payload: bytes) -> str:
    header = {"typ": "dpop+jwt", "alg": alg, "jwk": key.as_dict(private=False)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jws.serialize_compact(header, payload, key, algorithms=[alg])


def _claims(**changes):
    claims = {
        "jti": generate_token(16),
        "htm": "POST",
        "htu": PAR_URL,
        "iat": int(time.time()),
        "nonce": dpop.current_nonce(),
    }
    claims.update(changes)
    return claims


def _push(client, partner, proof):
    return client.post(
        "/vneid/par",
        data={
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid",
            "nonce": generate_token(8),
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
            **partner.auth(),
        },
        headers={"DPoP": proof},
    )


def test_a_proof_whose_iat_is_nan_is_refused(client):
    # json.dumps/json.loads accept NaN; abs(now - nan) > 60 is False, so the
    # freshness check passes and the proof's life is bounded only by the nonce
    # (or not at all without one), while its jti is remembered for 120 s.
    partner = fapi_client()
    key = new_key()
    proof = _signed(key, "ES256", json.dumps(_claims(iat=float("nan"))).encode())
    refused = _push(client, partner, proof)
    assert refused.status_code == 400, refused.get_data(as_text=True)
    assert refused.get_json()["error"] == "invalid_dpop_proof"


def test_a_deeply_nested_proof_payload_is_a_400_not_a_500(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    partner = fapi_client()
    proof = _signed(new_key(), "ES256", b"[" * 3000)
    refused = _push(client, partner, proof)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "invalid_dpop_proof"


def _rsa_1024():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return RSAKey.generate_key(1024, private=True)


# joserfc only *warns* about short RSA keys (SecurityWarning); production does not
# turn warnings into errors, so the key is accepted there. Test it as production.
@pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")
def test_a_proof_signed_by_a_1024_bit_rsa_key_is_refused(client):
    partner = fapi_client()
    proof = _signed(_rsa_1024(), "PS256", json.dumps(_claims()).encode())
    refused = _push(client, partner, proof)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "invalid_dpop_proof"


@pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")
def test_registration_refuses_a_1024_bit_rsa_client_key(app):
    with pytest.raises(InvalidClientMetadataError):
        register_client(
            unique_client_id(),
            [REDIRECT_URI],
            auth_method="private_key_jwt",
            jwks={"keys": [_rsa_1024().as_dict(private=False)]},
        )
