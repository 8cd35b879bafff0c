"""A TOTP code counts one 30-second step either side of now, and no further.

The clock of the TOTP check is frozen mid-step, so "30 s ago" and "30 s ahead" are
exactly the neighbouring steps and "60 s" the ones beyond them: no sleeps, and the
same answer at any time of day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from identity.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.demo_ids import AN
from tests.identity.oidc import (
    authorization_request,
    browser,
    form_step,
    relying_party,
    submit,
)

#: 15 s into a step.
NOW = datetime(2026, 11, 27, 3, 0, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "accepted"),
    [(-60, False), (-30, True), (0, True), (30, True), (60, False)],
    ids=["60s-ago", "30s-ago", "now", "30s-ahead", "60s-ahead"],
)
def test_a_code_counts_one_step_either_side_of_now(app, monkeypatch, seconds, accepted):
    monkeypatch.setattr("identity.totp.utcnow", lambda: NOW)
    code = pyotp.TOTP(DEMO_TOTP_SECRET).at(NOW + timedelta(seconds=seconds))
    request = authorization_request(relying_party(app))
    b = browser(app)
    page = submit(
        b,
        request.url,
        b.get(request.url),
        step="password",
        national_id=AN,
        password=DEMO_PASSWORD,
    )
    assert form_step(page) == "otp"

    page = submit(b, request.url, page, step="otp", otp=code)

    if accepted:
        assert page.status_code == 200
        assert form_step(page) == "consent"
    else:
        assert page.status_code == 401
        assert form_step(page) == "otp"
        assert "Mã xác thực không đúng hoặc đã dùng" in page.text
