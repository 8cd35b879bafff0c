"""The public verifier page in Chromium: paste a transcript, or open a printed QR link."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
from playwright.sync_api import sync_playwright

from app.extensions import db
from school_records.models import Transcript
from school_records.pdf import verify_url
from tests.conftest import CHROMIUM_ARGS
from tests.school_records.test_verification import tampered

#: Left out of `make test-fast`: drives Chromium.
pytestmark = pytest.mark.slow


@pytest.mark.real_sessions
def test_pasted_transcript_and_qr_link_verify_in_chromium(live_server):
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required: apt-get install chromium"
    with live_server.app.app_context():
        transcript = db.session.scalar(sa.select(Transcript))
        token, qr_link = transcript.credential, verify_url(transcript)
        crafted = tampered(token, lambda c: c.update(credentialStatus=["x"]))
        subjects = transcript.content["subjects"]
        db.session.remove()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/verify?lang=en")
            assert page.locator("h1").inner_text() == "Verify a digital transcript"
            page.fill("#credential", token)
            page.click("#verify")
            page.wait_for_selector("#checks:not([hidden])")
            assert page.locator("#verdict").inner_text() == "✔ Valid"
            phases = page.locator("#checks tbody tr td:first-child").all_inner_texts()
            assert {"Signatures", "Status", "Issuer", "Grades"} <= set(phases)
            assert "Nguyễn Thị Bình" in page.locator("#summary").inner_text()
            assert (
                "any difference means the paper was altered"
                in page.locator("#compare").inner_text()
            )
            rows = page.locator("#grades tbody tr")
            assert rows.count() == len(subjects)
            first = rows.nth(0).all_inner_texts()[0]
            assert subjects[0]["name"] in first
            assert str(subjects[0]["semester1"]["average"]) in first
            assert str(subjects[0]["year_average"]) in first
            assert "Phạm Thị Em" in page.locator("#facts").inner_text()

            page.fill("#credential", token[:-6] + "AAAAAA")
            page.click("#verify")
            page.wait_for_selector(
                "#verdict.bad"
            )  # selector waits: the page's CSP forbids eval
            assert page.locator("#verdict").inner_text() == "✘ Not valid"
            assert page.locator("#content").is_hidden()
            assert "Nguyễn Thị Bình" not in page.locator("body").inner_text()

            # A credential crafted to crash the verifier (issue 12): a clean answer.
            page.fill("#credential", crafted)
            page.click("#verify")
            page.wait_for_selector("#checks:not([hidden]) td.bad")
            assert page.locator("#verdict").inner_text() == "✘ Not valid"
            checks = page.locator("#checks tbody").inner_text()
            assert "INVALID_SIGNATURE" in checks
            assert "the transcript was altered or not signed by this school" in checks
            assert "Not checked: an earlier check failed." in checks

            phone = browser.new_page(
                locale="vi-VN", viewport={"width": 390, "height": 844}
            )  # a phone scanning the PDF's QR code
            phone.goto(qr_link)
            phone.wait_for_selector("#checks:not([hidden])")
            assert phone.locator("#verdict").inner_text() == "✔ Hợp lệ"
            assert "bất kỳ khác biệt nào nghĩa là bản giấy đã bị sửa" in (
                phone.locator("#compare").inner_text()
            )
            assert phone.locator("#grades tbody tr").count() == len(subjects)
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
        finally:
            browser.close()
