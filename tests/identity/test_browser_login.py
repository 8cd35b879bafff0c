"""The phone's login in a real browser: Debian's Chromium driven by Playwright.

The service runs on a real socket with its own database, exactly as ``make run``
serves it; the browser types the demo citizen's password and TOTP code, confirms
consent and lands on the callback page, whose code the API then redeems.
"""

from __future__ import annotations

import secrets
import shutil

import httpx2 as httpx
import pyotp
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from playwright.sync_api import sync_playwright

from identity.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests import phone
from tests.conftest import CHROMIUM_ARGS
from tests.demo_ids import AN

#: Left out of `make test-fast`: drives Chromium.
pytestmark = pytest.mark.slow


@pytest.mark.real_sessions
def test_citizen_logs_in_with_password_totp_and_consent_in_chromium(live_server):
    base = live_server.url
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required: apt-get install chromium"
    with httpx.Client(base_url=base, timeout=30) as api:
        verifier = secrets.token_urlsafe(48)  # the phone's own PKCE verifier
        started = api.post(
            "/api/v1/auth/vneid/start",
            json={
                "redirect_uri": f"{base}/callback",
                "code_challenge": create_s256_code_challenge(verifier),
                "code_challenge_method": "S256",
            },
        ).json()

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                page = browser.new_page(locale="vi-VN")
                page.goto(started["authorization_url"])
                assert page.locator("h1").inner_text() == "Đăng nhập"
                page.fill("#national_id", AN)
                page.fill("#password", DEMO_PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_selector("#otp")
                page.fill("#otp", pyotp.TOTP(DEMO_TOTP_SECRET).now())
                page.click("button[type=submit]")
                page.wait_for_selector("button[name=confirm]")
                assert "Số định danh cá nhân" in page.content()
                page.click("button[name=confirm]")
                page.wait_for_url(f"{base}/callback*")
                code = page.locator("#code").inner_text()
                state = page.locator("#state").inner_text()
            finally:
                browser.close()

        assert state == started["state"]
        key = phone.new_key()  # the phone's key for this login (DPoP)
        tokens = api.post(
            "/api/v1/auth/vneid",
            json={"code": code, "state": state, "code_verifier": verifier},
            auth=phone.LoginProof(key),
        )
        assert tokens.status_code == 200, tokens.text
        me = api.get(
            "/api/v1/me", auth=phone.PhoneAuth(tokens.json()["access_token"])
        ).json()
        assert me["profile"]["national_id"] == AN
        assert me["acr"] == "urn:vneid:loa:2"
