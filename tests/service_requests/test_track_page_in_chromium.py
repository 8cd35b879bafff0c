"""The tracking page a receipt's QR code opens, in Chromium on a phone and a
desktop (issue 16), judged by ``tests.browser.check_page``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from service_requests.models import Dossier
from service_requests.tracking import tracking_url
from tests.browser import check_page, chromium, open_viewer

#: Left out of `make test-fast`: drives Chromium.
pytestmark = [pytest.mark.slow, pytest.mark.real_sessions]


def test_the_tracking_page_reads_well_on_a_phone_and_a_desktop(live_server):
    with live_server.app.app_context():
        dossier = db.session.scalar(
            sa.select(Dossier).where(Dossier.received_at.is_not(None)).limit(1)
        )
        assert dossier is not None, "the demo has received dossiers"
        link, code = tracking_url(dossier), dossier.receipt_code
        db.session.remove()
    with chromium() as browser:
        for viewport in ("phone", "desktop"):
            viewer = open_viewer(browser, viewport)
            page = viewer.page
            page.goto(link)
            assert page.locator("#receipt-code").inner_text() == code
            assert page.locator("#history li").count() >= 2
            check_page(viewer, "track")
            page.click("a[lang=en]")
            assert page.locator("h1").inner_text() == "Dossier tracking"
            page.goto(f"{live_server.url}/track?c={code}&k=wrong")
            assert "No dossier matches" in page.locator(".error").inner_text() or (
                "Không tìm thấy" in page.locator(".error").inner_text()
            )
            check_page(viewer, "track-not-found")
            page.context.close()
