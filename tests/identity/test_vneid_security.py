"""Guessing, replay and key rotation at the provider."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jwt as pyjwt
import pyotp
import sqlalchemy as sa

from app.audit import AuditEvent
from app.db import utcnow
from app.extensions import db
from identity import totp
from identity.demo import DEMO_TOTP_SECRET
from identity.vneid import keys
from identity.vneid.clients import register_client
from identity.vneid.models import ProviderToken
from tests.demo_ids import AN, PHUC
from tests.identity.oidc import (
    BROWSER_CALLBACK,
    CONGDAN_APP,
    authorization_request,
    browser,
    form_step,
    redirect_params,
    relying_party,
    sign_in,
    submit,
    unique_client_id,
)
from tests.identity.test_vneid_flow import complete_flow, verify_with_pyjwt


def test_totp_code_cannot_be_replayed_within_its_window(app):
    rp = relying_party(app)
    code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
    first = sign_in(browser(app), authorization_request(rp).url, AN, otp=code)
    assert "code" in redirect_params(first)

    second_browser = browser(app)
    request = authorization_request(rp)
    page = second_browser.get(request.url)
    page = submit(
        second_browser,
        request.url,
        page,
        step="password",
        national_id=AN,
        password="congdan-demo",
    )
    assert form_step(page) == "otp"
    replay = submit(second_browser, request.url, page, step="otp", otp=code)
    assert replay.status_code == 401
    assert form_step(replay) == "otp"
    assert "Mã xác thực không đúng hoặc đã dùng" in replay.text


def test_a_code_redeemed_by_another_client_is_invalid_grant(app):
    """Another registered client, same redirect URI, the right verifier: refused."""
    rp = relying_party(app)
    request = authorization_request(rp)
    code = redirect_params(sign_in(browser(app), request.url, PHUC))["code"]
    thief_id = unique_client_id()
    _, thief_secret = register_client(thief_id, [BROWSER_CALLBACK])
    db.session.commit()
    redeem = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": BROWSER_CALLBACK,
        "code_verifier": request.verifier,
    }

    stolen = rp.post(
        "http://localhost/vneid/token", data=redeem, auth=(thief_id, thief_secret)
    )

    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"
    assert "access_token" not in stolen.json()
    assert (
        db.session.scalars(
            sa.select(ProviderToken).where(ProviderToken.client_id == thief_id)
        ).all()
        == []
    )
    # The code was not spent on the thief: its own client still redeems it.
    token = rp.post(
        "http://localhost/vneid/token",
        data=redeem,
        auth=(CONGDAN_APP, rp.client_secret),
    )
    assert token.status_code == 200, token.text
    assert token.json()["id_token"]


def test_sixth_wrong_password_is_429_with_retry_after(app):
    rp = relying_party(app)
    request = authorization_request(rp)
    b = browser(app)
    page = b.get(request.url)
    for _ in range(5):
        page = submit(
            b, request.url, page, step="password", national_id=PHUC, password="wrong"
        )
        assert page.status_code == 401
    sixth = submit(
        b, request.url, page, step="password", national_id=PHUC, password="congdan-demo"
    )
    assert sixth.status_code == 429
    assert 0 < int(sixth.headers["Retry-After"]) <= 15 * 60
    outcomes = db.session.scalars(
        sa.select(AuditEvent.outcome)
        .where(AuditEvent.action == "vneid.login")
        .order_by(AuditEvent.id)
    ).all()
    assert outcomes == ["failure"] * 5 + ["throttled"]


def test_failures_older_than_an_hour_do_not_count(app, monkeypatch):
    rp = relying_party(app)
    request = authorization_request(rp)
    b = browser(app)
    page = b.get(request.url)
    an_hour_ago = (utcnow() - timedelta(minutes=61)).timestamp()
    monkeypatch.setattr("app.throttle.now", lambda: an_hour_ago)
    for _ in range(5):
        page = submit(
            b, request.url, page, step="password", national_id=PHUC, password="wrong"
        )
    assert page.headers["Retry-After"] == "1"
    monkeypatch.undo()
    page = submit(
        b, request.url, page, step="password", national_id=PHUC, password="wrong"
    )
    assert "Còn 4 lần thử" in page.text
    page = submit(
        b, request.url, page, step="password", national_id=PHUC, password="congdan-demo"
    )
    assert page.status_code == 200
    assert form_step(page) == "consent"


def test_unknown_account_fails_like_a_wrong_password(app):
    rp = relying_party(app)
    request = authorization_request(rp)
    b = browser(app)
    page = b.get(request.url)
    unknown = submit(
        b, request.url, page, step="password", national_id="079201999999", password="x"
    )
    wrong = submit(
        b, request.url, page, step="password", national_id=PHUC, password="x"
    )
    assert unknown.status_code == wrong.status_code == 401
    assert "Số định danh hoặc mật khẩu không đúng" in unknown.text


def test_recovery_code_works_once(app, citizen):
    an = citizen(AN)
    codes = totp.issue_recovery_codes(an.id)
    db.session.commit()
    rp = relying_party(app)
    first = sign_in(browser(app), authorization_request(rp).url, AN, otp=codes[0])
    assert "code" in redirect_params(first)

    b = browser(app)
    request = authorization_request(rp)
    page = submit(
        b,
        request.url,
        b.get(request.url),
        step="password",
        national_id=AN,
        password="congdan-demo",
    )
    again = submit(b, request.url, page, step="otp", otp=codes[0])
    assert again.status_code == 401


def test_rotated_keys_keep_old_tokens_valid_and_sign_new_ones(app, client):
    old_token, _, _ = complete_flow(app, national_id=PHUC)
    old_kid = pyjwt.get_unverified_header(old_token["id_token"])["kid"]
    path = Path(app.config["VNEID_KEYS_FILE"])
    original = path.read_text()
    try:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["vneid", "rotate-keys"])
        assert result.exit_code == 0, result.output

        jwks = client.get("/vneid/jwks").get_json()
        verify_with_pyjwt(old_token["id_token"], "congdan-app", jwks)
        new_token, _, _ = complete_flow(app, national_id=PHUC)
        new_kid = pyjwt.get_unverified_header(new_token["id_token"])["kid"]
        assert new_kid != old_kid
        assert new_kid in result.output

        # Once the old key's last tokens have expired, it leaves the JWKS.
        data = json.loads(path.read_text())
        for entry in data["keys"]:
            if entry["retired_at"]:
                entry["retired_at"] = (
                    utcnow() - keys.ID_TOKEN_LIFETIME - timedelta(minutes=2)
                ).isoformat()
        path.write_text(json.dumps(data))
        published = {k["kid"] for k in client.get("/vneid/jwks").get_json()["keys"]}
        assert old_kid not in published
        assert new_kid in published
    finally:
        path.write_text(original)
