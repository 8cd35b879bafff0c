"""The whole story on a real server (gunicorn), with the ``flask wallet`` command
line as the citizen's wallet and Chromium as the browser: a credential added
through VNeID (authorization code flow, PAR, PKCE) and through an offer and its
PIN; a high school asks only for the grade, the year's average and conduct; its
page shows just those. The pages are judged by ``tests.browser.check_page`` and
are the README's pictures (``make screenshots``)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pyotp
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.unit_of_work import begin_writing, transaction
from identity.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from identity.models import Role
from school_records.models import Transcript
from tests import factories
from tests.browser import check_page, chromium, open_viewer
from tests.conftest import find_citizen, live_auth
from tests.demo_ids import AN, BINH
from tests.wallet.conftest import admission
from wallet.holder import Wallet

pytestmark = [pytest.mark.slow, pytest.mark.real_sessions]

LOOPBACK = "http://127.0.0.1:8765/callback"


def _high_school(server) -> tuple[str, str]:
    """A high school and its principal on the live server: their codes."""
    with server.app.app_context(), transaction():
        begin_writing()
        school = factories.school(grades=(10, 12), name="Trường THPT Thủ Dầu Một")
        principal = factories.staff(school, Role.PRINCIPAL, full_name="Ngô Văn Tâm")
        return school.code, principal.national_id


def _ask(server, school: str, principal: str, lang: str = "vi") -> dict:
    asked = httpx.post(
        f"{server.url}/api/v1/verifier/requests",
        json=admission(grade=None, base=server.url),
        auth=live_auth(server, principal, school, "principal"),
        headers={"Accept-Language": lang},
        timeout=30,
    )
    assert asked.status_code == 201, asked.text
    return dict(asked.json())


def _offer_and_its_pin_from_the_command_line(live_server, runner) -> None:
    with live_server.app.app_context():
        transcript_id = db.session.scalar(
            sa.select(Transcript.id).where(Transcript.pupil_id == find_citizen(BINH).id)
        )
        db.session.remove()
    offered = httpx.post(
        f"{live_server.url}/api/v1/wallet/offers",
        json={"credential_identifier": f"hoc_ba_sd_jwt:{transcript_id}"},
        auth=live_auth(live_server, AN),
        timeout=30,
    )
    assert offered.status_code == 201, offered.text
    offer = offered.json()
    wrong_pin = f"{(int(offer['tx_code']) + 1) % 1_000_000:06d}"
    wrong = runner.invoke(
        args=["wallet", "accept", offer["deep_link"], "--pin", wrong_pin]
    )
    assert wrong.exit_code != 0
    assert "invalid_grant" in wrong.output
    accepted = runner.invoke(
        args=["wallet", "accept", offer["deep_link"], "--pin", offer["tx_code"]]
    )
    assert accepted.exit_code == 0, accepted.output
    listed = runner.invoke(args=["wallet", "list"])
    assert "hoc_ba_sd_jwt" in listed.output
    assert "Nguyễn Thị Bình" in listed.output
    again = runner.invoke(
        args=["wallet", "accept", offer["deep_link"], "--pin", offer["tx_code"]]
    )
    assert again.exit_code != 0
    assert parse_qs(urlsplit(offer["deep_link"]).query)["credential_offer_uri"]


def test_add_with_vneid_and_show_a_high_school_only_what_it_asked(
    live_server, tmp_path, monkeypatch
):
    base = live_server.url
    wallet_file = tmp_path / "wallet.json"
    monkeypatch.setenv("CONGDAN_WALLET", str(wallet_file))
    runner = live_server.app.test_cli_runner()
    school, principal = _high_school(live_server)
    # One road: the app's offer, and its PIN typed into the wallet.
    _offer_and_its_pin_from_the_command_line(live_server, runner)

    with chromium() as browser:
        viewer = open_viewer(browser, "phone")
        page = viewer.page
        # The wallet's redirect URI: the browser hands the code back to it.
        page.route(f"{LOOPBACK}**", lambda route: route.fulfill(body="ok"))

        def sign_in(url: str) -> str:
            page.goto(url)
            page.fill("#national_id", AN)
            page.fill("#password", DEMO_PASSWORD)
            page.click("button[type=submit]:not([name])")
            page.wait_for_selector("#otp")
            page.fill("#otp", pyotp.TOTP(DEMO_TOTP_SECRET).now())
            page.click("button[type=submit]:not([name])")
            page.wait_for_selector("button[name=confirm]")
            check_page(viewer, "wallet-vneid-consent")
            page.click("button[name=confirm]")
            page.wait_for_url(f"{LOOPBACK}**")
            return page.url

        with httpx.Client(timeout=30) as http:
            wallet = Wallet(http, wallet_file)
            [added] = wallet.authorize(base, "hoc_ba_sd_jwt", LOOPBACK, sign_in)
        # The other: through VNeID (authorization code flow, PAR, PKCE).
        assert added.claims["full_name"] == "Nguyễn Thị Bình"
        kept = json.loads(wallet_file.read_text())
        assert [c["configuration_id"] for c in kept] == ["hoc_ba_sd_jwt"] * 2
        assert wallet_file.stat().st_mode & 0o777 == 0o600
        page.context.close()

        # The high school asks; its page waits with the request's QR code.
        asked = _ask(live_server, school, principal)
        viewer = open_viewer(browser, "desktop")
        page = viewer.page
        page.goto(asked["page_url"])
        assert page.locator(".qr svg").count() == 1
        check_page(viewer, "verifier-waiting")

        # The citizen's wallet answers from the command line.
        shown = runner.invoke(
            args=["wallet", "present", asked["request_link"], "--yes"]
        )
        assert shown.exit_code == 0, shown.output
        assert '"year_results.conduct"' in shown.output
        assert "Sent." in shown.output
        page.goto(asked["page_url"])
        text = page.locator("main").inner_text()
        assert "Đã xác thực" in text
        assert "Tốt" in text
        assert "Nguyễn Thị Bình" not in text
        assert "Toán" not in text
        check_page(viewer, "verifier-verified")
        for viewport in ("phone",):
            phone = open_viewer(browser, viewport)
            phone.page.goto(asked["page_url"] + "&lang=en")
            assert "Verified" in phone.page.locator("main").inner_text()
            check_page(phone, "verifier-verified-en")
