"""Online guessing at the provider's login, attacked as issue 11 (finding 3) describes.

Nobody who is not the account holder may lock a correct login out: wrong passwords
slow down the (account, address) pair that sent them, the account as a whole only
mildly and never for a new address, and an address only after many failures.
"""

from __future__ import annotations

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from flask import Flask

from app import throttle
from app.audit import AuditEvent
from app.extensions import db
from identity.demo import DEMO_PASSWORD
from tests.demo_ids import AN, HAI, PHUC
from tests.identity.oidc import (
    authorization_request,
    form_step,
    redirect_params,
    relying_party,
    sign_in,
    submit,
)


def browser_at(app: Flask, address: str) -> httpx.Client:
    """A cookie-keeping browser whose requests come from ``address``."""
    return httpx.Client(
        transport=httpx.WSGITransport(app=app, remote_addr=address),
        base_url="http://localhost",
    )


def wrong_password(app: Flask, address: str, national_id: str) -> httpx.Response:
    """One wrong password for ``national_id`` from ``address``."""
    request = authorization_request(relying_party(app))
    b = browser_at(app, address)
    page = b.get(request.url)
    return submit(
        b, request.url, page, step="password", national_id=national_id, password="x"
    )


def test_five_wrong_passwords_from_five_addresses_do_not_lock_the_owner_out(app):
    for n in range(1, 6):
        assert wrong_password(app, f"203.0.113.{n}", AN).status_code == 401
    rp = relying_party(app)
    final = sign_in(browser_at(app, "198.51.100.6"), authorization_request(rp).url, AN)
    assert "code" in redirect_params(final)


def test_many_wrong_passwords_from_many_addresses_never_lock_a_new_address(app):
    for n in range(1, 31):
        assert wrong_password(app, f"203.0.113.{n}", AN).status_code == 401
    rp = relying_party(app)
    final = sign_in(browser_at(app, "198.51.100.7"), authorization_request(rp).url, AN)
    assert "code" in redirect_params(final)


def test_typos_for_one_account_do_not_block_another_from_the_same_address(app):
    ward_office = "192.0.2.10"
    for _ in range(5):
        assert wrong_password(app, ward_office, PHUC).status_code == 401
    rp = relying_party(app)
    final = sign_in(browser_at(app, ward_office), authorization_request(rp).url, HAI)
    assert "code" in redirect_params(final)


def test_the_page_tells_tries_left_then_when_to_retry(app, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    request = authorization_request(relying_party(app))
    b = browser_at(app, "192.0.2.20")
    page = b.get(request.url)
    for left in (4, 3, 2, 1):
        page = submit(
            b, request.url, page, step="password", national_id=PHUC, password="x"
        )
        assert page.status_code == 401
        assert f"Còn {left} lần thử" in page.text
    page = submit(b, request.url, page, step="password", national_id=PHUC, password="x")
    assert page.status_code == 401
    assert "Thử lại sau 1 giây" in page.text
    assert page.headers["Retry-After"] == "1"

    # Too early, even with the right password: 429, and the page says when.
    early = submit(
        b, request.url, page, step="password", national_id=PHUC, password=DEMO_PASSWORD
    )
    assert early.status_code == 429
    assert early.headers["Retry-After"] == "1"
    assert "Thử lại sau 1 giây" in early.text

    clock[0] += 1
    page = submit(
        b, request.url, early, step="password", national_id=PHUC, password=DEMO_PASSWORD
    )
    assert page.status_code == 200
    assert form_step(page) == "consent"
    outcomes = db.session.scalars(
        sa.select(AuditEvent.outcome)
        .where(AuditEvent.action == "vneid.login")
        .order_by(AuditEvent.id)
    ).all()
    assert outcomes == ["failure"] * 5 + ["throttled", "success"]


def test_the_messages_come_in_english_too(app):
    request = authorization_request(relying_party(app), ui_locales="en")
    b = browser_at(app, "192.0.2.30")
    page = b.get(request.url)
    for _ in range(4):
        page = submit(
            b, request.url, page, step="password", national_id=PHUC, password="x"
        )
    assert "1 tries left" in page.text
    page = submit(b, request.url, page, step="password", national_id=PHUC, password="x")
    assert "Retry after 1 s" in page.text
    again = submit(
        b, request.url, page, step="password", national_id=PHUC, password="x"
    )
    assert again.status_code == 429
    assert "Retry after" in again.text


def test_wrong_codes_at_the_second_factor_count_for_the_pair(app, monkeypatch):
    clock = [2_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    request = authorization_request(relying_party(app))
    b = browser_at(app, "192.0.2.40")
    page = b.get(request.url)
    page = submit(
        b, request.url, page, step="password", national_id=AN, password=DEMO_PASSWORD
    )
    assert form_step(page) == "otp"
    for left in (4, 3, 2, 1):
        page = submit(b, request.url, page, step="otp", otp="000000")
        assert page.status_code == 401
        assert f"Còn {left} lần thử" in page.text
    page = submit(b, request.url, page, step="otp", otp="000000")
    assert page.headers["Retry-After"] == "1"
    early = submit(b, request.url, page, step="otp", otp="000000")
    assert early.status_code == 429


@pytest.mark.parametrize("address", [None, "192.0.2.50"])
def test_flask_vneid_unlock_clears_the_account(app, citizen, monkeypatch, address):
    clock = [3_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    source = address or "192.0.2.51"
    for _ in range(8):
        wrong_password(app, source, PHUC)
    assert wrong_password(app, source, PHUC).status_code == 429
    args = ["vneid", "unlock", PHUC] + (["--ip", address] if address else [])
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Cleared" in result.output
    assert wrong_password(app, source, PHUC).status_code == 401
    unlocked = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "vneid.login.unlocked")
    )
    assert unlocked is not None
    assert unlocked.actor_id is None
    assert unlocked.details.get("ip") == address


def test_flask_vneid_unlock_needs_someone_to_unlock(app):
    result = app.test_cli_runner().invoke(args=["vneid", "unlock"])
    assert result.exit_code != 0
