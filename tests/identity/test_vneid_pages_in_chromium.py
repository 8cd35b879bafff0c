"""Every page a person can reach when signing in, in Chromium on a phone and on a
desktop (issue 16): the provider's sign-in, code, consent, level-2 and bad-request
pages, and the app's ``/callback`` after a sign-in, a refusal and a level-2 refusal.
Each is judged by ``tests.browser.check_page`` (no sideways scroll, no console
error, axe-core clean)."""

from __future__ import annotations

import re
import secrets
import time

import httpx2 as httpx
import pyotp
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from identity.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.browser import Viewer, check_page, chromium, open_viewer
from tests.demo_ids import AN, HAI

#: Left out of `make test-fast`: drives Chromium.
pytestmark = [pytest.mark.slow, pytest.mark.real_sessions]


def _authorization_url(base: str, acr_values: str | None = None) -> str:
    body = {
        "redirect_uri": f"{base}/callback",
        "code_challenge": create_s256_code_challenge(secrets.token_urlsafe(48)),
        "code_challenge_method": "S256",
        "prompt": "consent",  # the consent page every time, not the remembered one
    }
    if acr_values:
        body["acr_values"] = acr_values
    started = httpx.post(f"{base}/api/v1/auth/vneid/start", json=body, timeout=30)
    assert started.status_code == 200, started.text
    return str(started.json()["authorization_url"])


def _luminance(css_colour: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css_colour)[:3])

    def linear(channel: float) -> float:
        return (
            channel / 12.92
            if channel <= 0.03928
            else ((channel + 0.055) / 1.055) ** 2.4
        )

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def _contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _sign_in_to_consent(viewer: Viewer, url: str, otp: str) -> None:
    page = viewer.page
    page.goto(url)
    assert page.locator("h1").inner_text() == "Đăng nhập"
    # WCAG 2.2 1.4.11: a field's border against the card, 3:1 at least (axe does
    # not check borders); and the card keeps a margin on a phone.
    border, card = page.evaluate(
        """() => [getComputedStyle(document.getElementById("national_id")).borderTopColor,
                  getComputedStyle(document.querySelector("main")).backgroundColor]"""
    )
    assert _contrast(border, card) >= 3, (border, card)
    box = page.locator("main").bounding_box()
    assert box is not None
    assert box["x"] >= 8
    check_page(viewer, "vneid-login")
    page.fill("#national_id", AN)
    page.fill("#password", "not the password")
    page.click("button[type=submit]:not([name])")
    assert (
        "Số định danh hoặc mật khẩu không đúng" in page.locator(".error").inner_text()
    )
    # The number stays, and the password field has the focus for the next try.
    assert page.evaluate("document.activeElement.id") == "password"
    check_page(viewer, "vneid-login-failed")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]:not([name])")
    page.wait_for_selector("#otp")
    assert page.evaluate("document.activeElement.id") == "otp"
    check_page(viewer, "vneid-otp")
    page.fill("#otp", otp)
    page.click("button[type=submit]:not([name])")
    page.wait_for_selector("button[name=confirm], .error")
    assert page.locator(".error").count() == 0, page.locator(".error").inner_text()
    assert page.locator("a[lang=en]").inner_text() == "English"  # after a POST too
    check_page(viewer, "vneid-consent")


def test_the_sign_in_pages_read_well_on_a_phone_and_a_desktop(live_server):
    base = live_server.url
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    # Two sign-ins of one account: the second uses the next step's code (a code
    # works once, and ±1 step is accepted).
    codes = {"phone": totp.now(), "desktop": totp.at(time.time() + totp.interval)}
    with chromium() as browser:
        for viewport in ("phone", "desktop"):
            viewer = open_viewer(browser, viewport)
            page = viewer.page
            _sign_in_to_consent(viewer, _authorization_url(base), codes[viewport])
            if viewport == "phone":
                page.click("button[name=confirm]")
                page.wait_for_url(f"{base}/callback*")
                assert page.locator("h1").inner_text() == "Đã đăng nhập tại VNeID"
                assert page.locator("#code").inner_text()
                check_page(viewer, "callback-signed-in")
            else:
                page.click("button[name=deny]")
                page.wait_for_url(f"{base}/callback*")
                assert page.locator("h1").inner_text() == "Bạn chưa đăng nhập"
                assert "access_denied" not in page.locator(".error").inner_text()
                check_page(viewer, "callback-declined")
            page.context.close()


def test_the_refusals_read_well_on_a_phone_and_a_desktop(live_server):
    base = live_server.url
    with chromium() as browser:
        for viewport in ("phone", "desktop"):
            # Hải's account is level 1; the app asks for level 2.
            viewer = open_viewer(browser, viewport)
            page = viewer.page
            page.goto(_authorization_url(base, acr_values="urn:vneid:loa:2"))
            page.fill("#national_id", HAI)
            page.fill("#password", DEMO_PASSWORD)
            page.click("button[type=submit]:not([name])")
            page.wait_for_selector("#return")
            assert "mức 2" in page.locator("h1").inner_text()
            assert "Công an cấp xã" in page.locator("ol.steps").inner_text()
            check_page(viewer, "vneid-level-2")
            page.click("#return")
            page.wait_for_url(f"{base}/callback*")
            assert "mức 2" in page.locator("h1").inner_text()
            check_page(viewer, "callback-level-2")

            page.context.close()

            # Cancel on the sign-in page: the app hears access_denied.
            viewer = open_viewer(browser, viewport)
            page = viewer.page
            page.goto(_authorization_url(base))
            page.click("button[name=cancel]")
            page.wait_for_url(f"{base}/callback*")
            assert page.locator("h1").inner_text() == "Bạn chưa đăng nhập"
            check_page(viewer, "callback-declined")
            page.goto(f"{base}/callback?code=abc&state=xyz")
            assert page.locator("#code").inner_text() == "abc"
            check_page(viewer, "callback-signed-in")

            # A request the provider cannot verify: explained, in English here.
            page.goto(
                f"{base}/vneid/authorize?response_type=code&client_id=nobody"
                "&scope=openid&ui_locales=en"
            )
            assert page.locator("h1").inner_text() == "Cannot continue"
            assert "return to the app" in page.locator(".error").inner_text()
            check_page(viewer, "vneid-bad-request")
            page.context.close()
