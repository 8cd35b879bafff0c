"""QR login across devices: the browser shows a code, the phone approves with a
fresh level-2 login, and the browser that asked, only it, signs in once."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from identity.vneid import keys
from identity.vneid.models import CrossDeviceLogin
from tests.conftest import find_citizen, find_organisation, token_headers
from tests.demo_ids import AN, CLINIC, HAI
from tests.identity.oidc import (
    authorization_request,
    browser,
    form_step,
    redirect_params,
    relying_party,
    submit,
)
from tests.identity.test_vneid_flow import verify_with_pyjwt

_CODE = re.compile(r'id="qr-code">([A-Z]{4}-[A-Z]{4})<')


def _waiting_browser(app):
    """A browser at the sign-in step that asked for a QR code; its code."""
    rp = relying_party(app)
    request = authorization_request(rp)
    b = browser(app)
    page = b.get(request.url)
    assert form_step(page) == "password"
    qr_page = submit(b, request.url, page, step="qr")
    assert qr_page.status_code == 200
    code = _CODE.search(qr_page.text).group(1)
    return b, request, rp, code, qr_page


def _phone(citizen=AN, minutes_ago: int = 0):
    return token_headers(
        find_citizen(citizen), auth_time=utcnow() - timedelta(minutes=minutes_ago)
    )


def test_the_qr_page_shows_the_code_and_polls_for_the_answer(app):
    b, _, _, code, page = _waiting_browser(app)
    assert 'src="data:image/png;base64,' in page.text
    assert code in page.text
    assert "script-src 'nonce-" in page.headers["Content-Security-Policy"]
    assert b.get("/vneid/qr/status").json() == {"status": "pending"}
    assert browser(app).get("/vneid/qr/status").json() == {"status": "none"}


def test_the_phone_sees_who_asks_for_what_from_where(app, client):
    _, _, _, code, _ = _waiting_browser(app)
    seen = client.get(f"/api/v1/auth/cross-device/{code}", headers=_phone())
    assert seen.status_code == 200, seen.get_data(as_text=True)
    body = seen.get_json()
    assert body["client_name"]
    assert body["status"] == "pending"
    assert {claim["claim"] for claim in body["claims"]} >= {"name", "national_id"}
    assert "address" in body["browser"]
    # Typed without the dash and in small letters, it is the same code.
    typed = code.replace("-", "").lower()
    assert (
        client.get(f"/api/v1/auth/cross-device/{typed}", headers=_phone()).get_json()[
            "user_code"
        ]
        == code
    )


def test_approving_signs_the_waiting_browser_in_at_level_2(app, client):
    b, request, rp, code, _ = _waiting_browser(app)
    approved = client.post(
        f"/api/v1/auth/cross-device/{code}/approve", headers=_phone()
    )
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert b.get("/vneid/qr/status").json() == {"status": "approved"}

    page = b.get(request.url)  # what the page's script does on "approved"
    if form_step(page) == "consent":
        page = submit(b, request.url, page, step="consent", confirm="yes")
    code_param = redirect_params(page)["code"]
    token = rp.fetch_token(
        "http://localhost/vneid/token", code=code_param, code_verifier=request.verifier
    )
    claims = verify_with_pyjwt(token["id_token"], rp.client_id, keys.published_jwks())
    assert claims["acr"] == "urn:vneid:loa:2"
    assert "mca" in claims["amr"]
    info = rp.get("http://localhost/vneid/userinfo").json()
    assert info["national_id"] == AN
    assert b.get("/vneid/qr/status").json() == {"status": "none"}


def test_a_code_is_approved_once(app, client):
    _, _, _, code, _ = _waiting_browser(app)
    url = f"/api/v1/auth/cross-device/{code}/approve"
    assert client.post(url, headers=_phone()).status_code == 200
    again = client.post(url, headers=_phone())
    assert again.status_code == 409
    assert again.get_json()["type"].endswith("/cross-device-login-decided")


def test_an_expired_code_cannot_be_approved(app, client):
    b, _, _, code, _ = _waiting_browser(app)
    db.session.execute(
        sa.update(CrossDeviceLogin).values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    late = client.post(f"/api/v1/auth/cross-device/{code}/approve", headers=_phone())
    assert late.status_code == 410
    assert b.get("/vneid/qr/status").json() == {"status": "expired"}


def test_approval_needs_a_fresh_level_2_login(app, client):
    b, _, _, code, _ = _waiting_browser(app)
    stale = client.post(
        f"/api/v1/auth/cross-device/{code}/approve", headers=_phone(minutes_ago=10)
    )
    assert stale.status_code == 401
    assert "insufficient_user_authentication" in stale.headers["WWW-Authenticate"]
    level_1 = client.post(
        f"/api/v1/auth/cross-device/{code}/approve",
        headers=token_headers(find_citizen(HAI), acr="urn:vneid:loa:1"),
    )
    assert level_1.status_code == 401
    assert b.get("/vneid/qr/status").json() == {"status": "pending"}


def test_a_token_acting_for_an_organisation_cannot_approve(app, client):
    _, _, _, code, _ = _waiting_browser(app)
    acting = token_headers(
        find_citizen(AN), org=find_organisation(CLINIC), role="doctor"
    )
    assert (
        client.post(
            f"/api/v1/auth/cross-device/{code}/approve", headers=acting
        ).status_code
        == 403
    )


def test_declining_tells_the_browser_and_leaves_it_at_the_sign_in(app, client):
    b, request, _, code, _ = _waiting_browser(app)
    declined = client.post(f"/api/v1/auth/cross-device/{code}/deny", headers=_phone())
    assert declined.get_json()["status"] == "denied"
    assert b.get("/vneid/qr/status").json() == {"status": "denied"}
    page = b.get(request.url)
    assert form_step(page) == "password"
    assert "từ chối" in page.text


def test_only_the_browser_that_asked_is_signed_in(app, client):
    _, request, _, code, _ = _waiting_browser(app)
    client.post(f"/api/v1/auth/cross-device/{code}/approve", headers=_phone())
    other = browser(app)
    assert other.get("/vneid/qr/status").json() == {"status": "none"}
    assert form_step(other.get(request.url)) == "password"


def test_unknown_codes_are_404_and_guessing_is_throttled(app, client):
    phone = _phone()
    answers = [
        client.get(f"/api/v1/auth/cross-device/BCDF-GHJ{letter}", headers=phone)
        for letter in "KLMNPQRS"
    ]
    assert answers[0].status_code == 404
    assert answers[0].get_json()["type"].endswith("/cross-device-login-not-found")
    assert answers[-1].status_code == 429
    assert "Retry-After" in answers[-1].headers


def test_a_camera_that_opens_the_code_is_told_to_use_the_app(client):
    page = client.get("/vneid/qr/BCDF-GHJK", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "CongDan app" in page.get_data(as_text=True)


def test_purge_expired_forgets_day_old_qr_sign_ins(app):
    _waiting_browser(app)
    db.session.execute(
        sa.update(CrossDeviceLogin).values(created_at=utcnow() - timedelta(days=2))
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert "1 QR sign-ins" in result.output
    assert db.session.scalar(sa.select(sa.func.count(CrossDeviceLogin.id))) == 0


def test_the_consent_step_after_a_qr_sign_in_names_who_approved(app, client):
    """An onlooker's phone could approve the code this browser shows: the person
    at the browser reads whose account it is before anything is shared."""
    b, request, _, code, _ = _waiting_browser(app)
    client.post(f"/api/v1/auth/cross-device/{code}/approve", headers=_phone())
    page = b.get(request.url)
    assert form_step(page) == "consent"
    assert "Đang đăng nhập: Nguyễn Văn An" in page.text
