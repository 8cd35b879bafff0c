"""Attacks on the ``claims`` parameter (OIDC Core §5.5, OIDC4IDA). Each test fails
on 7bea39a."""

from __future__ import annotations

import json

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
from tests.identity.test_vneid_flow import complete_flow


def _rp(app, scope="openid profile", **settings):
    client_id = unique_client_id()
    _, secret = register_client(client_id, [BROWSER_CALLBACK], scope=scope, **settings)
    return relying_party(app, client_id=client_id, secret=secret, scope="openid")


def test_claims_parameter_cannot_reach_past_the_clients_registered_scope(app):
    # Registered for "openid profile" only: no national_id, phone or address scope.
    rp = _rp(app)
    asked = {"userinfo": {"national_id": None, "phone_number": None, "address": None}}
    complete_flow(app, rp=rp, claims=json.dumps(asked))
    info = rp.get("http://localhost/vneid/userinfo").json()
    assert "national_id" not in info  # the CCCD number of a client never allowed it
    assert "phone_number" not in info
    assert "address" not in info


def test_a_sub_value_asked_for_another_user_gets_no_code(app):
    # OIDC Core 5.5.1: "MUST NOT reply with an ID Token or Access Token for a
    # different user" than the sub value requested.
    rp = _rp(app)
    request = authorization_request(
        rp, claims=json.dumps({"id_token": {"sub": {"value": "someone-else"}}})
    )
    final = sign_in(browser(app), request.url, AN)
    assert "code=" not in final.headers.get("Location", "")


def test_an_essential_acr_with_values_is_enforced(app):
    # OIDC Core 5.5.1.1: acr essential with values MUST be met, else the
    # authentication failed. Hai is level 1 and can only reach loa:1.
    rp = _rp(app)
    asked = {"id_token": {"acr": {"essential": True, "values": ["urn:vneid:loa:2"]}}}
    request = authorization_request(rp, claims=json.dumps(asked))
    final = sign_in(browser(app), request.url, HAI)
    assert "code=" not in final.headers.get("Location", "")


def test_an_essential_claim_declined_before_is_asked_again_not_dropped(app):
    rp = _rp(app)
    b = browser(app)
    first = authorization_request(rp, claims=json.dumps({"userinfo": {"name": None}}))
    assert "code" in redirect_params(sign_in(b, first.url, AN, exclude=("name",)))
    essential = json.dumps({"userinfo": {"name": {"essential": True}}})
    second = b.get(authorization_request(rp, claims=essential).url)
    # Either ask again (name can no longer be left out) or access_denied; not a
    # silent code without the essential claim.
    assert form_step(second) == "consent" or "error=" in second.headers.get(
        "Location", ""
    )


def test_verified_claims_are_not_put_to_consent_for_a_client_not_allowed_them(app):
    rp = _rp(app)  # verified_claims_allowed=False
    asked = {
        "userinfo": {
            "verified_claims": {"verification": {}, "claims": {"national_id": None}}
        }
    }
    b = browser(app)
    request = authorization_request(rp, claims=json.dumps(asked))
    sign_in(b, request.url, AN, confirm=False)
    page = b.get(request.url)
    assert form_step(page) != "consent" or "verified_claims." not in page.text
