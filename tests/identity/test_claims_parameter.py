"""The ``claims`` request parameter (OIDC Core §5.5) and ``verified_claims``
(OpenID Connect for Identity Assurance): what is asked, consented and released."""

from __future__ import annotations

import json

from identity.vneid import keys
from identity.vneid.clients import register_client
from tests.demo_ids import AN, HAI
from tests.identity.oidc import (
    BROWSER_CALLBACK,
    authorization_request,
    browser,
    form_step,
    redirect_params,
    relying_party,
    sign_in,
    unique_client_id,
)
from tests.identity.test_vneid_flow import complete_flow, verify_with_pyjwt

VERIFIED_NAME_AND_ID = {
    "verified_claims": {
        "verification": {"trust_framework": None},
        "claims": {"name": None, "national_id": {"essential": True}},
    }
}


def _partner(
    app,
    *,
    scope: str = "openid profile national_id",
    verified_claims_allowed: bool = False,
):
    """A client registered for ``scope``; it asks for ``openid`` alone."""
    client_id = unique_client_id()
    _, secret = register_client(
        client_id,
        [BROWSER_CALLBACK],
        scope=scope,
        verified_claims_allowed=verified_claims_allowed,
    )
    return relying_party(app, client_id=client_id, secret=secret, scope="openid")


def _id_token(token, rp) -> dict:
    return verify_with_pyjwt(token["id_token"], rp.client_id, keys.published_jwks())


def test_claims_asked_into_the_id_token_are_there_and_only_those(app):
    rp = _partner(app)
    claims = {"id_token": {"birthdate": {"essential": True}, "email": None}}
    token, _, _ = complete_flow(app, rp=rp, claims=json.dumps(claims))
    id_token = _id_token(token, rp)
    assert id_token["birthdate"] == "1995-03-14"
    assert "email" not in id_token  # unknown here: ignored, as §5.5 says
    assert "name" not in id_token
    info = rp.get("http://localhost/vneid/userinfo").json()
    assert "birthdate" not in info  # asked for the ID token, not for userinfo


def test_claims_asked_from_userinfo_are_released_there(app):
    rp = _partner(app, scope="openid profile phone")
    token, _, _ = complete_flow(
        app, rp=rp, claims=json.dumps({"userinfo": {"phone_number": None}})
    )
    info = rp.get("http://localhost/vneid/userinfo").json()
    assert info["phone_number"] == "+84912000101"
    assert "phone_number" not in _id_token(token, rp)


def test_an_essential_claim_is_shown_as_needed_and_cannot_be_left_out(app):
    rp = _partner(app)
    claims = json.dumps({"userinfo": {"name": {"essential": True}, "gender": None}})
    request = authorization_request(rp, claims=claims)
    b = browser(app)
    page = sign_in(b, request.url, AN, confirm=False)
    consent = b.get(request.url)
    assert form_step(consent) == "consent"
    assert 'name="exclude" value="name"' not in consent.text
    assert 'name="exclude" value="gender"' in consent.text
    final = sign_in(b, request.url, AN, exclude=("name", "gender"))
    code = redirect_params(final)["code"]
    rp.fetch_token(
        "http://localhost/vneid/token", code=code, code_verifier=request.verifier
    )
    info = rp.get("http://localhost/vneid/userinfo").json()
    assert info["name"] == "Nguyễn Văn An"
    assert "gender" not in info
    assert page.status_code == 302  # the first visit was declined, and said so


def test_verified_claims_carry_the_evidence_of_the_chip_card_check(app):
    rp = _partner(app, verified_claims_allowed=True)
    complete_flow(app, rp=rp, claims=json.dumps({"userinfo": VERIFIED_NAME_AND_ID}))
    verified = rp.get("http://localhost/vneid/userinfo").json()["verified_claims"]
    verification = verified["verification"]
    assert verification["trust_framework"] == "vn_eid"
    assert verification["assurance_level"] == "level_2"
    evidence = verification["evidence"][0]
    assert evidence["type"] == "document"
    assert {c["check_method"] for c in evidence["check_details"]} >= {"vcrypt"}
    assert evidence["document_details"]["type"] == "idcard"
    assert verified["claims"] == {"name": "Nguyễn Văn An", "national_id": AN}


def test_verified_claims_in_the_id_token(app):
    rp = _partner(app, verified_claims_allowed=True)
    token, _, _ = complete_flow(
        app, rp=rp, claims=json.dumps({"id_token": VERIFIED_NAME_AND_ID})
    )
    assert _id_token(token, rp)["verified_claims"]["claims"]["national_id"] == AN


def test_verified_claims_go_only_to_allowed_clients_and_verified_people(app):
    not_allowed = _partner(app)
    complete_flow(
        app, rp=not_allowed, claims=json.dumps({"userinfo": VERIFIED_NAME_AND_ID})
    )
    assert (
        "verified_claims"
        not in not_allowed.get("http://localhost/vneid/userinfo").json()
    )

    allowed = _partner(app, verified_claims_allowed=True)
    complete_flow(
        app,
        national_id=HAI,  # level 1: registered online, never checked in person
        rp=allowed,
        claims=json.dumps({"userinfo": VERIFIED_NAME_AND_ID}),
    )
    assert (
        "verified_claims" not in allowed.get("http://localhost/vneid/userinfo").json()
    )


def test_a_malformed_claims_parameter_is_an_invalid_request(app):
    rp = _partner(app)
    for claims in (
        "not json",
        "[]",
        json.dumps({"userinfo": []}),
        json.dumps({"userinfo": {"name": {"essential": "yes"}}}),
        json.dumps({"userinfo": {"name": {"purpose": "x"}}}),
        json.dumps({"userinfo": {"verified_claims": {"claims": {"name": None}}}}),
    ):
        request = authorization_request(rp, claims=claims)
        answer = browser(app).get(request.url)
        assert redirect_params(answer)["error"] == "invalid_request", claims


def test_discovery_advertises_fapi_and_identity_assurance(client):
    doc = client.get("/vneid/.well-known/openid-configuration").get_json()
    assert doc["pushed_authorization_request_endpoint"] == "http://localhost/vneid/par"
    assert doc["require_pushed_authorization_requests"] is False  # per client
    assert "private_key_jwt" in doc["token_endpoint_auth_methods_supported"]
    assert set(doc["token_endpoint_auth_signing_alg_values_supported"]) <= {
        "ES256",
        "PS256",
        "EdDSA",
    }
    assert "ES256" in doc["dpop_signing_alg_values_supported"]
    assert "none" not in doc["dpop_signing_alg_values_supported"]
    assert doc["claims_parameter_supported"] is True
    assert doc["verified_claims_supported"] is True
    assert doc["trust_frameworks_supported"] == ["vn_eid"]
    assert "national_id" in doc["claims_in_verified_claims_supported"]


def test_a_required_sub_or_essential_acr_that_the_login_meets_gets_a_code(app):
    rp = _partner(app)
    token, _, _ = complete_flow(app, rp=rp)
    sub = _id_token(token, rp)["sub"]
    required = {
        "id_token": {
            "sub": {"value": sub},
            "acr": {"essential": True, "values": ["urn:vneid:loa:2"]},
        }
    }
    again, _, _ = complete_flow(app, rp=rp, claims=json.dumps(required))
    claims = _id_token(again, rp)
    assert claims["sub"] == sub
    assert claims["acr"] == "urn:vneid:loa:2"
