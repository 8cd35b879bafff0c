"""The operations centre's dashboard in Chromium (issue 16): the analyst signs in
with VNeID and reads the province's figures as charts with tables, changes the
period and series without reloading, downloads a table as CSV; anyone else is
refused. On a phone and a desktop, judged by ``tests.browser.check_page``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx2 as httpx
import pytest

from app.extensions import db
from app.unit_of_work import transaction
from identity.demo import DEMO_PASSWORD
from service_requests.synthetic import seed_dossiers
from tests import phone
from tests.browser import Viewer, check_page, chromium, open_viewer
from tests.demo_ids import GIANG, HAI

#: Left out of `make test-fast`: drives Chromium.
pytestmark = [pytest.mark.slow, pytest.mark.real_sessions]


def _sign_in(viewer: Viewer, base: str, national_id: str) -> None:
    page = viewer.page
    page.goto(f"{base}/ioc?lang=vi")
    page.click("#login")
    page.wait_for_selector("#national_id")
    page.fill("#national_id", national_id)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]:not([name])")
    # The consent page comes once; a second sign-in goes straight back.
    page.wait_for_selector(
        "button[name=confirm], #dashboard:not([hidden]), #refused:not([hidden])"
    )
    if page.locator("button[name=confirm]").count():
        page.click("button[name=confirm]")
    page.wait_for_url(f"{base}/ioc*")


def test_the_analyst_reads_the_dashboard_on_a_phone_and_a_desktop(live_server):
    with live_server.app.app_context():
        with transaction():
            seed_dossiers(1500, seed=5)  # two years of dossiers, in closed months
        db.session.remove()
    base = live_server.url
    with chromium() as browser:
        for viewport in ("phone", "desktop"):
            viewer = open_viewer(browser, viewport)
            page = viewer.page
            _sign_in(viewer, base, GIANG)
            page.wait_for_selector("#dashboard:not([hidden])")
            assert "code=" not in page.url  # the code is not left in the address
            kpis = page.locator("#kpis").inner_text()
            assert "Hồ sơ tiếp nhận" in kpis
            assert "Đúng hạn" in kpis
            assert page.locator("#panel-status svg[role=img]").count() == 1
            assert page.locator("#panel-status tbody tr").count() >= 2
            assert "Đã trả kết quả" in page.locator("#panel-status").inner_text()
            assert page.locator("#agency option").count() >= 2
            check_page(viewer, "ioc")

            # Another series without reloading the page.
            page.evaluate("window.stayed = true")
            page.select_option("#interval", "week")
            page.fill("#from", "2026-01")
            page.fill("#to", "2026-03")
            page.click("#filters button[type=submit]")
            # The Monday of 1 January's week opens the new series.
            page.wait_for_function(
                "document.querySelector('#panel-series tbody tr th')"
                ".textContent === '29/12/2025'"
            )
            assert page.evaluate("window.stayed") is True
            assert page.locator("#panel-series tbody tr").count() == 14

            with page.expect_download() as downloaded:
                page.locator("#panel-series .toolbar button").click()
            saved = Path(downloaded.value.path()).read_text(encoding="utf-8-sig")
            rows = list(csv.reader(io.StringIO(saved)))
            assert rows[0] == ["Bắt đầu", "Hồ sơ"]
            assert rows[1][0] == "29/12/2025"

            # Signing out ends the login itself (issue 16's attacker: the token
            # and the VNeID session outlived the button on a shared screen).
            token = page.evaluate("sessionStorage.getItem('ioc.token')")
            # A token copied off the page is useless elsewhere: it is bound to
            # the page's key (DPoP), which never leaves the browser.
            copied = httpx.get(
                f"{base}/api/v1/stats", auth=phone.PhoneAuth(token, phone.new_key())
            )
            assert copied.status_code == 401
            with page.expect_response("**/api/v1/auth/logout") as ended:
                page.click("#logout")
            assert ended.value.status == 204
            assert page.locator("#signin").is_visible()
            stale = httpx.get(
                f"{base}/api/v1/stats", headers={"Authorization": f"Bearer {token}"}
            )
            assert stale.status_code == 401
            page.click("#login")
            page.wait_for_selector("#national_id")  # a password again, no session
            page.context.close()


def test_a_citizen_without_the_analyst_role_is_refused(live_server):
    with chromium() as browser:
        viewer = open_viewer(browser, "phone")
        _sign_in(viewer, live_server.url, HAI)  # a citizen with no role at all
        viewer.page.wait_for_selector("#refused:not([hidden])")
        assert viewer.page.locator("#dashboard").is_hidden()
        assert (
            "không có vai trò cán bộ phân tích"
            in viewer.page.locator("#refused").inner_text()
        )
        check_page(viewer, "ioc-refused")
