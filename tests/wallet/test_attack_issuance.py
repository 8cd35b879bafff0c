"""The credential endpoint and the authorization request, fed what no wallet
sends: nested headers, off-curve keys, odd request shapes: 4xx, never a 500."""

import base64

import pytest

from tests.wallet.test_issuance import _ask


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_proof_with_a_deeply_nested_header_is_invalid_proof_not_500(
    http, holder, token
):
    header = (
        '{"typ":"openid4vci-proof+jwt","alg":"ES256","x":'
        + "[" * 3000
        + "]" * 3000
        + "}"
    )
    proof = _b64(header.encode()) + "." + _b64(b"{}") + "." + _b64(b"sig")
    answer = _ask(http, holder, token, proof)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_proof"


@pytest.mark.parametrize(
    "header",
    [
        '"just a string"',
        "[1,2]",
        '{"typ":"openid4vci-proof+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":1,"y":2}}',
        '{"typ":"openid4vci-proof+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}}',
        '{"typ":"openid4vci-proof+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256"}}',
        '{"typ":"openid4vci-proof+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"'
        + "A" * 43
        + '","y":"'
        + "A" * 43
        + '"}}',
    ],
)
def test_odd_proof_headers_are_invalid_proof(http, holder, token, header):
    proof = _b64(header.encode()) + "." + _b64(b"{}") + "." + _b64(b"sig")
    answer = _ask(http, holder, token, proof)
    assert answer.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"credential_identifier": ["x"]},
        {"credential_identifier": {"a": 1}},
        {"credential_configuration_id": ["x"]},
        {"credential_configuration_id": {"a": 1}},
        {"proofs": {"jwt": [{"a": 1}]}},
        {"proofs": ["jwt"]},
        {"proofs": {"jwt": "x"}},
    ],
)
def test_odd_credential_requests(http, holder, token, body):
    access, chosen = token
    req = {"credential_identifier": chosen, "proofs": {"jwt": ["x.y.z"]}}
    req.update(body)
    if "credential_configuration_id" in body:
        req.pop("credential_identifier")
    r = http.post(
        "/oid4vci/credential", json=req, headers={"Authorization": f"Bearer {access}"}
    )
    assert r.status_code == 400


def test_authorization_details_with_a_list_id(http):
    import hashlib
    import secrets

    v = secrets.token_urlsafe(48)
    ch = _b64(hashlib.sha256(v.encode()).digest())
    r = http.post(
        "/oid4vci/par",
        data={
            "client_id": "congdan-wallet",
            "response_type": "code",
            "redirect_uri": "http://127.0.0.1:8765/callback",
            "code_challenge": ch,
            "code_challenge_method": "S256",
            "authorization_details": '[{"type":"openid_credential","credential_configuration_id":[]}]',
        },
    )
    assert r.status_code == 400
