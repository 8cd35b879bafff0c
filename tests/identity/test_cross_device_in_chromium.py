"""The QR login as people see it, in Chromium: the page shows the code, updates
itself when the phone (driven through the API) approves, and says so when the
code expires; in Vietnamese and English, on a phone and a desktop."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from app.db import utcnow
from app.extensions import db
from identity.vneid.models import CrossDeviceLogin
from tests.browser import check_page, chromium, open_viewer
from tests.conftest import live_auth
from tests.demo_ids import AN

#: Left out of `make test-fast`: drives Chromium.
pytestmark = [pytest.mark.slow, pytest.mark.real_sessions]


def _authorization_url(base: str) -> str:
    started = httpx.post(
        f"{base}/api/v1/auth/vneid/start",
        json={
            "redirect_uri": f"{base}/ioc",
            "code_challenge": create_s256_code_challenge(secrets.token_urlsafe(48)),
            "code_challenge_method": "S256",
            "prompt": "consent",
        },
        timeout=30,
    )
    assert started.status_code == 200, started.text
    return str(started.json()["authorization_url"])


def _show_qr(viewer, url: str) -> str:
    page = viewer.page
    page.goto(url)
    page.click("button[value=qr]")
    page.wait_for_selector("#qr-code")
    return page.locator("#qr-code").inner_text()


def test_the_qr_page_signs_in_when_the_phone_approves(live_server):
    base = live_server.url
    phone = live_auth(live_server, AN)
    with chromium() as browser:
        for viewport, locale, waiting in (
            ("phone", "vi-VN", "Đang chờ"),
            ("desktop", "en-GB", "Waiting"),
        ):
            viewer = open_viewer(browser, viewport, locale)
            code = _show_qr(viewer, _authorization_url(base))
            page = viewer.page
            assert re.fullmatch(r"[B-Z]{4}-[B-Z]{4}", code)
            assert waiting in page.locator("#qr-status").inner_text()
            check_page(viewer, "vneid-qr")
            seen = httpx.get(
                f"{base}/api/v1/auth/cross-device/{code}", auth=phone, timeout=30
            )
            assert seen.status_code == 200, seen.text
            approved = httpx.post(
                f"{base}/api/v1/auth/cross-device/{code}/approve",
                auth=phone,
                timeout=30,
            )
            assert approved.status_code == 200, approved.text
            # The page notices on its own and goes on to the consent step.
            page.wait_for_selector("button[name=confirm]", timeout=15000)
            assert viewer.console_errors == []


def test_the_qr_page_says_when_its_code_expired(live_server):
    base = live_server.url
    with chromium() as browser:
        viewer = open_viewer(browser, "phone", "en-GB")
        _show_qr(viewer, _authorization_url(base))
        with live_server.app.app_context():
            db.session.execute(
                sa.update(CrossDeviceLogin).values(
                    expires_at=utcnow() - timedelta(seconds=1)
                )
            )
            db.session.commit()
            db.session.remove()
        page = viewer.page
        page.wait_for_selector("#qr-login.expired", timeout=15000)
        assert "expired" in page.locator("#qr-status").inner_text()
        # No countdown still running, no "I approved it" on a dead code.
        assert not page.locator("#qr-expires").is_visible()
        assert not page.locator("#qr-continue").is_visible()
        check_page(viewer, "vneid-qr-expired")
        page.click("button[value=qr]")  # a new code
        page.wait_for_selector("#qr-login:not(.expired)")
        assert "Waiting" in page.locator("#qr-status").inner_text()
