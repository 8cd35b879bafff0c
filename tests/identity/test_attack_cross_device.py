"""Attacks on QR sign-in across devices (review of 6ca1cb1). Each test fails today."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import jwt as pyjwt
from authlib.oidc.core.errors import LoginRequiredError

from app.db import utcnow
from app.extensions import db
from identity.vneid.clients import register_client
from tests.conftest import find_citizen, token_headers
from tests.demo_ids import AN
from tests.identity.oidc import (
    authorization_request,
    browser,
    form_step,
    redirect_params,
    relying_party,
    submit,
    unique_client_id,
)
from tests.identity.test_api_login import finish_login, start_login

_CODE = re.compile(r'id="qr-code">([A-Z]{4}-[A-Z]{4})<')


def _small_service(app):
    """A minor relying party asking for little: what the phone is shown."""
    client_id = unique_client_id()
    _, secret = register_client(
        client_id, ["https://quiz.example/cb"], name="Tiny Quiz", scope="openid profile"
    )
    db.session.commit()
    return relying_party(
        app, client_id, secret, "https://quiz.example/cb", scope="openid profile"
    )


def _qr_browser(app, rp, **params):
    request = authorization_request(rp, **params)
    b = browser(app)
    page = b.get(request.url)
    code = _CODE.search(submit(b, request.url, page, step="qr").text).group(1)
    return b, request, code


def _phone(minutes_ago: float = 0.0):
    when = utcnow() - timedelta(minutes=minutes_ago)
    return token_headers(find_citizen(AN), auth_time=when), when


def _finish(b, request, rp):
    page = b.get(request.url)
    if form_step(page) == "consent":
        page = submit(b, request.url, page, step="consent", confirm="yes")
    token = rp.fetch_token(
        "http://localhost/vneid/token",
        code=redirect_params(page)["code"],
        code_verifier=request.verifier,
    )
    return pyjwt.decode(token["id_token"], options={"verify_signature": False})


# --- 1. an approval for one service is a provider-wide session ---------------


def test_a_qr_approval_for_one_service_does_not_sign_the_browser_in_elsewhere(
    app, client
):
    quiz = _small_service(app)
    attacker, request, code = _qr_browser(app, quiz)
    phone, _ = _phone()
    shown = client.get(f"/api/v1/auth/cross-device/{code}", headers=phone).get_json()
    assert shown["client_name"] == "Tiny Quiz"  # all the citizen agreed to
    client.post(f"/api/v1/auth/cross-device/{code}/approve", headers=phone)
    _finish(attacker, request, quiz)

    # Another client, silently: must be login_required, is consent_required today.
    other = relying_party(app)
    silent = attacker.get(authorization_request(other, prompt="none").url)
    assert redirect_params(silent).get("error") == LoginRequiredError.error

    # The CongDan API itself: the browser must sign in again, today it gets
    # straight to consent and then an API token pair for the whole account.
    started = start_login(client)
    page = attacker.get(started["authorization_url"])
    assert form_step(page) in ("password", "qr"), form_step(page)


# --- 2. a QR login is fresher than the login that approved it -----------------


def test_the_qr_login_keeps_the_auth_time_of_the_approving_login(app, client):
    rp = relying_party(app)
    b, request, code = _qr_browser(app, rp)
    phone, authenticated_at = _phone(minutes_ago=4.5)
    approved = client.post(f"/api/v1/auth/cross-device/{code}/approve", headers=phone)
    assert approved.status_code == 200
    claims = _finish(b, request, rp)
    # The person last authenticated 4.5 minutes ago, on the phone.
    assert claims["auth_time"] <= int(authenticated_at.timestamp()) + 1


def test_a_qr_login_older_than_max_age_is_refused_for_a_password_sign_in(app, client):
    rp = relying_party(app)
    b, request, code = _qr_browser(app, rp, max_age="60")
    phone, _ = _phone(minutes_ago=4.5)
    client.post(f"/api/v1/auth/cross-device/{code}/approve", headers=phone)
    page = b.get(request.url)
    assert form_step(page) == "password"
    assert "gần đây hơn" in page.text


def test_step_up_freshness_cannot_be_renewed_by_approving_oneself(app, client):
    """A token 4m50s after its login mints a new API family whose auth_time is
    now, which can approve the next code, and so on: step-up never expires."""
    phone, authenticated_at = _phone(minutes_ago=4 + 50 / 60)
    started = start_login(client)
    b = browser(app)
    page = b.get(started["authorization_url"])
    code = _CODE.search(
        submit(b, started["authorization_url"], page, step="qr").text
    ).group(1)
    client.post(f"/api/v1/auth/cross-device/{code}/approve", headers=phone)
    page = b.get(started["authorization_url"])
    if form_step(page) == "consent":
        page = submit(
            b, started["authorization_url"], page, step="consent", confirm="yes"
        )
    tokens = finish_login(client, redirect_params(page), started["code_verifier"])
    access = tokens.get_json()["access_token"]
    minted = pyjwt.decode(access, options={"verify_signature": False})
    # Today it is now: 5 more minutes of step-up, and it approves the next code.
    assert minted["auth_time"] <= int(authenticated_at.timestamp()) + 1


# --- 3. the phone is not shown what the browser then consents to ------------


def test_the_phone_sees_every_claim_the_consent_step_then_offers(app, client):
    rp = relying_party(app)
    wanted = {"userinfo": dict.fromkeys(("national_id", "address", "phone_number"))}
    b, request, code = _qr_browser(app, rp, scope="openid", claims=json.dumps(wanted))
    phone, _ = _phone()
    shown = client.get(f"/api/v1/auth/cross-device/{code}", headers=phone).get_json()
    client.post(f"/api/v1/auth/cross-device/{code}/approve", headers=phone)
    consent = b.get(request.url)
    assert form_step(consent) == "consent"
    offered = set(re.findall(r'name="exclude" value="([a-z_]+)"', consent.text))
    assert offered == {"national_id", "address", "phone_number"}
    assert offered <= {claim["claim"] for claim in shown["claims"]}  # shown: []
