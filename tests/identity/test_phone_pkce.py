"""The phone proves it started the login (issue 11, finding 9).

The phone makes the PKCE verifier and sends only its S256 challenge to ``start``;
whoever reads ``code`` and ``state`` from the custom-scheme redirect still lacks the
verifier, so cannot finish the login.
"""

from __future__ import annotations

import pytest

from tests.demo_ids import PHUC
from tests.identity.oidc import browser, redirect_params, sign_in
from tests.identity.test_api_login import (
    finish_login,
    pkce_pair,
    start_login,
)
from tests.problems import assert_problem


def _intercepted(app, client):
    """A login the phone started, up to the redirect an attacker could read."""
    started = start_login(client)
    params = redirect_params(sign_in(browser(app), started["authorization_url"], PHUC))
    return started, params


def test_intercepted_code_and_state_without_the_verifier_are_refused(app, client):
    started, params = _intercepted(app, client)
    stolen = client.post(
        "/api/v1/auth/vneid", json={"code": params["code"], "state": params["state"]}
    )
    body = assert_problem(stolen, 422, "validation-failed")
    assert list(body["errors"]) == ["code_verifier"]

    wrong = finish_login(client, params, pkce_pair()[0])
    assert_problem(wrong, 400, "code-verifier-mismatch")
    assert "access_token" not in wrong.get_json()

    # Neither attempt burnt the login: the phone, which holds the verifier, finishes it.
    phone = finish_login(client, params, started["code_verifier"])
    assert phone.status_code == 200, phone.get_json()
    assert phone.get_json()["access_token"]


def test_the_provider_checks_the_verifier_too(app, client):
    """The verifier reaches the provider's token endpoint, which checks it itself."""
    from identity.login import relying_party

    started, params = _intercepted(app, client)
    login_state = relying_party.consume_state(params["state"], started["code_verifier"])
    with pytest.raises(relying_party.LoginFailed):
        relying_party.redeem(params["code"], login_state, pkce_pair()[0])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "code_challenge"),
        ({"code_challenge": "short"}, "code_challenge"),
        ({"code_challenge": "a" * 42 + "="}, "code_challenge"),
        ({"code_challenge": pkce_pair()[1], "code_challenge_method": "plain"}, "code_challenge_method"),
    ],
)  # fmt: skip
def test_start_requires_an_s256_challenge(client, body, field):
    response = client.post(
        "/api/v1/auth/vneid/start",
        json={"redirect_uri": "http://localhost/callback", **body},
        headers={"Accept-Language": "en"},
    )
    problem = assert_problem(response, 422, "validation-failed")
    assert list(problem["errors"]) == [field]


def test_challenge_and_verifier_messages_come_in_vietnamese(client):
    response = client.post(
        "/api/v1/auth/vneid/start",
        json={"redirect_uri": "http://localhost/callback", "code_challenge": "x"},
        headers={"Accept-Language": "vi"},
    )
    problem = assert_problem(response, 422, "validation-failed")
    assert "S256" in problem["errors"]["code_challenge"][0]
    assert "base64url" in problem["errors"]["code_challenge"][0]
    assert problem["errors"]["code_challenge"][0].startswith("Mã")

    finish = client.post(
        "/api/v1/auth/vneid",
        json={"code": "c", "state": "s", "code_verifier": "too short"},
        headers={"Accept-Language": "vi"},
    )
    problem = assert_problem(finish, 422, "validation-failed")
    assert problem["errors"]["code_verifier"][0].startswith("Mã")
