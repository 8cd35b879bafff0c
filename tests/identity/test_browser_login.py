"""The phone's login in a real browser: Debian's Chromium driven by Playwright.

The service runs on a real socket with its own database, exactly as ``make run``
serves it; the browser types the demo citizen's password and TOTP code, confirms
consent and lands on the callback page, whose code the API then redeems.
"""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator

import flask_migrate
import httpx2 as httpx
import pyotp
import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from app.extensions import db
from health_book.demo import seed_health_book
from identity.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_identity
from tests.conftest import make_app

AN = "074095000101"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(scratch_database_url: str) -> Iterator[str]:
    """The service on a real port, on its own migrated and seeded database."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = make_app(scratch_database_url, BASE_URL=base_url)
    with app.app_context():
        flask_migrate.upgrade()
        seed_health_book(seed_identity())
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.mark.real_sessions
def test_citizen_logs_in_with_password_totp_and_consent_in_chromium(live_server):
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required: apt-get install chromium"
    api = httpx.Client(base_url=live_server, timeout=30)
    started = api.post(
        "/api/v1/auth/vneid/start", json={"redirect_uri": f"{live_server}/callback"}
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
            page.wait_for_url(f"{live_server}/callback*")
            code = page.locator("#code").inner_text()
            state = page.locator("#state").inner_text()
        finally:
            browser.close()

    assert state == started["state"]
    tokens = api.post("/api/v1/auth/vneid", json={"code": code, "state": state})
    assert tokens.status_code == 200, tokens.text
    me = api.get(
        "/api/v1/me",
        headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
    ).json()
    assert me["profile"]["national_id"] == AN
    assert me["acr"] == "urn:vneid:loa:2"
