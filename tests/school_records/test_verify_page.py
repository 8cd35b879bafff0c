"""The public verifier page in Chromium, on a phone and a desktop (issue 16): the
answer first and in plain words, every state a transcript can be in (valid,
tampered, superseded by a correction, suspended, revoked), opened from a printed
QR link or pasted. Each view is judged by ``tests.browser.check_page``."""

from __future__ import annotations

import uuid

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from app.extensions import db
from school_records.models import Transcript
from school_records.pdf import verify_url
from tests.browser import Viewer, check_page, chromium, open_viewer
from tests.conftest import live_auth
from tests.demo_ids import DUNG, EM, SCHOOL
from tests.school_records.test_verification import tampered

#: Left out of `make test-fast`: drives Chromium.
pytestmark = [pytest.mark.slow, pytest.mark.real_sessions]


def _open_qr(viewer: Viewer, link: str, lang: str) -> None:
    viewer.page.goto(f"{link}&lang={lang}")
    viewer.page.wait_for_selector("#checks-section:not([hidden])")


def _verdict(viewer: Viewer) -> str:
    return viewer.page.locator("#verdict").inner_text()


def _correct(base: str, server, transcript_id: str) -> str:
    """Publish a correction of the transcript through the API, as its school does."""
    teacher = live_auth(server, DUNG, SCHOOL, "teacher")
    principal = live_auth(server, EM, SCHOOL, "principal")
    with httpx.Client(base_url=base, timeout=30) as api:
        draft = api.post(
            f"/api/v1/transcripts/{transcript_id}/corrections", auth=teacher
        ).json()
        body = {"content": draft["content"] | {"homeroom_comment": "Đã đính chính."}}
        url = f"/api/v1/transcripts/{draft['id']}"
        assert api.put(url, json=body, auth=teacher).status_code == 200
        for headers in (teacher, principal):
            etag = api.get(url, auth=headers).headers["ETag"]
            signed = api.post(f"{url}/sign", auth=headers, headers={"If-Match": etag})
            assert signed.status_code == 200, signed.text
    return str(draft["id"])


def _principal_acts(server, transcript_id: str, action: str, reason: str) -> None:
    principal = live_auth(server, EM, SCHOOL, "principal")
    done = httpx.post(
        f"{server.url}/api/v1/transcripts/{transcript_id}/{action}",
        json={"reason": reason},
        auth=principal,
        timeout=30,
    )
    assert done.status_code == 200, done.text


def _qr_link(server, transcript_id: str) -> str:
    with server.app.app_context():
        link = verify_url(db.session.get(Transcript, uuid.UUID(transcript_id)))
        db.session.remove()
    return link


def test_every_state_of_a_transcript_reads_plainly_on_a_phone_and_a_desktop(
    live_server,
):
    base = live_server.url
    with live_server.app.app_context():
        original = db.session.scalar(sa.select(Transcript))
        original_id, token = str(original.id), original.credential
        subjects = original.content["subjects"]
        db.session.remove()
    original_link = _qr_link(live_server, original_id)
    forged = tampered(token, lambda c: c.update(credentialStatus=["x"]))

    with chromium() as browser:
        viewers = [open_viewer(browser, "phone"), open_viewer(browser, "desktop")]

        # Valid, opened from the printed QR code: verified at once, no paste box.
        for viewer in viewers:
            _open_qr(viewer, original_link, "vi")
            page = viewer.page
            assert _verdict(viewer) == "✔ Học bạ hợp lệ"
            assert page.locator("#paste").get_attribute("open") is None
            assert page.locator("#credential").is_hidden()
            # The answer comes before everything it is about.
            order = page.evaluate(
                "['result', 'content', 'checks-section', 'paste'].map("
                "(id) => document.getElementById(id).getBoundingClientRect().top)"
            )
            assert order == sorted(order)
            checks = page.locator("#checks").inner_text()
            assert "Chữ ký của giáo viên chủ nhiệm" in checks
            assert "cryptographic" not in checks
            assert "CREDENTIAL" not in checks
            first = page.locator("#grades tbody tr").nth(0).inner_text()
            average = subjects[0]["semester1"]["average"]
            assert f"{average:.1f}".replace(".", ",") in first
            assert "Phạm Thị Em" in page.locator("#facts").inner_text()
            check_page(viewer, "verify-valid")

        # Pasted and tampered: not valid, nothing the forger wrote is shown.
        for viewer in viewers:
            page = viewer.page
            page.goto(f"{base}/verify?lang=en")
            assert page.locator("#paste").get_attribute("open") is not None
            page.fill("#credential", forged)
            page.click("#verify")
            page.wait_for_selector("#result.bad")
            assert _verdict(viewer) == "✘ Not a valid transcript"
            assert "altered or not signed by this school" in (
                page.locator("#reason").inner_text()
            )
            assert page.locator("#content").is_hidden()
            assert "INVALID_SIGNATURE" not in page.locator("#checks").inner_text()
            assert "Not checked" in page.locator("#checks").inner_text()
            check_page(viewer, "verify-tampered")

        # Superseded: the school published a correction.
        correction_id = _correct(base, live_server, original_id)
        for viewer in viewers:
            _open_qr(viewer, original_link, "vi")
            page = viewer.page
            assert _verdict(viewer) == "✘ Học bạ không hợp lệ"
            assert "đã bị thu hồi" in page.locator("#reason").inner_text()
            assert "bản đính chính" in page.locator("#replaced").inner_text()
            check_page(viewer, "verify-superseded")
            page.click("#current")
            page.wait_for_selector("#result.ok")
            assert correction_id in page.url
            assert _verdict(viewer) == "✔ Học bạ hợp lệ"

        # Suspended, then revoked (not replaced).
        correction_link = _qr_link(live_server, correction_id)
        _principal_acts(live_server, correction_id, "suspend", "Đang xác minh")
        for viewer in viewers:
            _open_qr(viewer, correction_link, "en")
            assert _verdict(viewer) == "✘ Not a valid transcript"
            assert "suspended" in viewer.page.locator("#reason").inner_text()
            check_page(viewer, "verify-suspended")
        _principal_acts(live_server, correction_id, "unsuspend", "Đã xác minh")
        _principal_acts(live_server, correction_id, "revoke", "Cấp nhầm")
        for viewer in viewers:
            _open_qr(viewer, correction_link, "vi")
            page = viewer.page
            assert "đã bị thu hồi" in page.locator("#reason").inner_text()
            assert page.locator("#replaced").is_hidden()
            check_page(viewer, "verify-revoked")
