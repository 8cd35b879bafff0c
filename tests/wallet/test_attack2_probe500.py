"""Client input that should never be a 500."""

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest


def _params(link):
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


VP_TOKENS = [
    "",
    "null",
    "[]",
    "{}",
    '{"card": "x"}',
    '{"card": ["x"]}',
    '{"card": [null]}',
    '{"card": [1]}',
    '{"card": ["a~b"]}',
    '{"card": ["a.b.c~"]}',
    '{"card": ["..~x"]}',
    '{"card": ["eyJ9.eyJ9.eyJ9~x"]}',
    '{"card": [["x"]]}',
    '{"card": [{"a": 1}]}',
    '{"card": ["~~~~"]}',
    '"x"',
    "1e999",
    '{"card": ["' + "A" * 70000 + '"]}',
    '{"card": ["\\ud800"]}',
]


@pytest.mark.parametrize("vp", VP_TOKENS)
def test_response_endpoint(http, clinic_ask, vp):
    made = clinic_ask([["full_name"]])
    p = _params(made["request_link"])
    r = http.post(p["response_uri"], data={"vp_token": vp, "state": p["state"]})
    assert r.status_code < 500, r.text


@pytest.mark.parametrize(
    "form",
    [
        {"state": "x" * 10000},
        {"error": "x" * 10000, "state": "nope"},
        {},
        {"state": "\x00"},
    ],
)
def test_response_endpoint_forms(http, clinic_ask, form):
    made = clinic_ask([["full_name"]])
    p = _params(made["request_link"])
    r = http.post(p["response_uri"], data=form)
    assert r.status_code < 500, r.text


@pytest.mark.parametrize(
    "path",
    [
        "/oid4vci/offers/" + str(uuid.uuid4()),
        "/oid4vci/authorize?client_id=congdan-wallet&request_uri=x",
        "/oid4vci/authorize?client_id=%00&request_uri=urn:ietf:params:oauth:request_uri:%ff",
        "/oid4vci/callback?state=x&code=y",
        "/oid4vci/callback",
        "/oid4vci/callback?state=",
        "/vct/%00/v1",
        "/verifier/requests/" + str(uuid.uuid4()),
        "/verifier/requests/" + str(uuid.uuid4()) + "/outcome?key=%ff%fe",
        "/verifier/requests/" + str(uuid.uuid4()) + "?key=x&lang=zz",
    ],
)
def test_gets(http, path):
    r = http.get(path)
    assert r.status_code < 500, r.text


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "authorization_code"},
        {"grant_type": "authorization_code", "code": "x", "code_verifier": "\x00"},
        {"grant_type": "authorization_code", "code": "x", "code_verifier": "é" * 10},
        {"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code"},
        {
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": "x",
            "tx_code": "é",
        },
        {
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": "x",
            "tx_code": "1",
            "client_id": "\x00",
        },
    ],
)
def test_token_forms(http, form):
    r = http.post("/oid4vci/token", data=form)
    assert r.status_code < 500, r.text


PAR_BASE = {
    "client_id": "congdan-wallet",
    "response_type": "code",
    "redirect_uri": "http://127.0.0.1:8765/callback",
    "code_challenge": "A" * 43,
    "code_challenge_method": "S256",
    "scope": "bhyt_sd_jwt",
}


@pytest.mark.parametrize(
    "change",
    [
        {"redirect_uri": "http://127.0.0.1:99999/callback"},
        {"redirect_uri": "http://[::1:8765/callback"},
        {"redirect_uri": "http://127.0.0.1:8765/callback\x00"},
        {"redirect_uri": "http://127.0.0.1:0/callback"},
        {"redirect_uri": "http://127.0.0.1:-1/callback"},
        {"redirect_uri": "http://127.0.0.1:8765/callback#x"},
        {"redirect_uri": "http://127.0.0.1:8765/call%0aback"},
        {
            "authorization_details": '[{"type":"openid_credential","credential_configuration_id":["x"]}]'
        },
        {"authorization_details": "{}"},
        {"authorization_details": "1e99999"},
        {"scope": "x" * 100000},
        {"state": "\x00"},
        {"code_challenge": "\x00" * 43},
    ],
)
def test_par(http, change):
    r = http.post("/oid4vci/par", data={**PAR_BASE, **change})
    assert r.status_code < 500, (change, r.text)


@pytest.mark.parametrize(
    "body",
    [
        {"credential_identifier": ["x"], "proofs": {"jwt": ["x"]}},
        {"credential_identifier": {"a": 1}},
        {"credential_configuration_id": {"a": 1}},
        {"credential_configuration_id": ["x"]},
        {"credential_identifier": "x", "proofs": []},
        {"credential_identifier": "x", "proofs": {"jwt": "x"}},
        {"credential_identifier": "x", "proofs": {"jwt": [1]}},
    ],
)
def test_credential_bodies(http, card_offer, body):
    from tests.wallet.conftest import redeem

    token = redeem(http, card_offer).json()["access_token"]
    r = http.post(
        "/oid4vci/credential", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code < 500, r.text


@pytest.mark.parametrize(
    "auth",
    [
        "Bearer",
        "Bearer  ",
        "DPoP \x00",
        "Bearer " + "x" * 10000,
        "bearer\tabc",
        "Basic abc",
    ],
)
def test_credential_auth(http, auth):
    r = http.post(
        "/oid4vci/credential",
        json={"credential_identifier": "x"},
        headers={"Authorization": auth},
    )
    assert r.status_code < 500, r.text


@pytest.mark.parametrize(
    "raw",
    [
        b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=%ED%A0%80&tx_code=%ff",
        b"grant_type=authorization_code&code=%ff&code_verifier=%ED%A0%80&client_id=%ff&redirect_uri=%ff",
    ],
)
def test_token_raw(http, raw):
    r = http.post(
        "/oid4vci/token",
        content=raw,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code < 500, r.text


def test_par_raw(http):
    raw = (
        b"client_id=congdan-wallet&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&code_challenge="
        + b"A" * 43
        + b"&code_challenge_method=S256&scope=bhyt_sd_jwt&state=%ED%A0%80"
    )
    r = http.post(
        "/oid4vci/par",
        content=raw,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code < 500, r.text
