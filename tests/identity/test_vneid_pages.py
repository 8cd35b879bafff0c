"""Every outcome a person can reach at the provider is a page that says what
happened and what to do next, in Vietnamese (English with the switch).

Found by a new user (issue 16): a bad authorization request showed the library's
raw text, a level-1 account asked for level 2 was bounced with no explanation,
and there was no way to cancel a sign-in that told the app.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from identity.demo import DEMO_PASSWORD
from tests.demo_ids import AN, PHUC
from tests.identity.oidc import (
    BROWSER_CALLBACK,
    authorization_request,
    browser,
    form_step,
    redirect_params,
    relying_party,
    submit,
)


def _link(page, element_id: str) -> str:
    found = re.search(rf'href="([^"]+)" id="{element_id}"', page.text)
    assert found, page.text
    return html.unescape(found.group(1))


def test_cancel_on_the_password_page_tells_the_app_access_denied(app):
    rp = relying_party(app)
    request = authorization_request(rp)
    b = browser(app)
    page = b.get(request.url)
    assert form_step(page) == "password"
    assert 'name="cancel" value="yes"' in page.text
    assert "formnovalidate" in page.text
    cancelled = submit(b, request.url, page, step="password", cancel="yes")
    params = redirect_params(cancelled)
    assert params["error"] == "access_denied"
    assert params["state"] == request.state
    assert "code" not in params


def test_cancel_on_the_code_page_tells_the_app_and_forgets_the_password_step(app):
    rp = relying_party(app)
    request = authorization_request(rp)
    b = browser(app)
    page = b.get(request.url)
    page = submit(
        b, request.url, page, step="password", national_id=AN, password=DEMO_PASSWORD
    )
    assert form_step(page) == "otp"
    assert re.search(r'id="otp"[^>]*autofocus', page.text)
    cancelled = submit(b, request.url, page, step="otp", cancel="yes")
    assert redirect_params(cancelled)["error"] == "access_denied"
    # The same request opened again starts from the password, not the code.
    assert form_step(b.get(request.url)) == "password"


def test_a_level_two_account_without_a_second_factor_is_told_to_turn_one_on(app):
    rp = relying_party(app)
    request = authorization_request(rp, acr_values="urn:vneid:loa:2", ui_locales="en")
    b = browser(app)
    page = b.get(request.url)
    page = submit(
        b, request.url, page, step="password", national_id=PHUC, password=DEMO_PASSWORD
    )
    assert page.status_code == 403
    assert page.headers["Content-Language"] == "en"
    assert "A level 2 electronic identity account is needed" in page.text
    assert "two-step verification" in page.text
    assert "commune police" not in page.text  # Phúc is verified in person already
    back = _link(page, "return")
    assert back.startswith(BROWSER_CALLBACK)
    assert parse_qs(urlsplit(back).query)["error"] == [
        "unmet_authentication_requirements"
    ]


def test_a_bad_request_is_explained_and_the_library_text_kept_for_developers(app):
    page = browser(app).get(
        "/vneid/authorize?response_type=code&client_id=no-such-app&scope=openid"
        "&redirect_uri=https%3A%2F%2Fexample.org%2Fcb"
    )
    assert page.status_code == 400
    text = page.text
    main_message = re.search(r'<p class="error" role="alert">(.*?)</p>', text, re.S)
    assert main_message
    assert "quay lại ứng dụng" in main_message.group(1)
    assert "invalid_client" not in main_message.group(1)
    assert "<details>" in text
    assert "invalid_client" in text


def test_an_expired_form_offers_to_start_again(app):
    rp = relying_party(app)
    request = authorization_request(rp)
    b = browser(app)
    b.get(request.url)
    stale = b.post(
        request.url,
        data={"csrf_token": "stale", "step": "password", "national_id": AN},
    )
    assert stale.status_code == 400
    assert "Bắt đầu lại" in stale.text
    retry = _link(stale, "retry")
    assert form_step(b.get(retry)) == "password"


def test_every_provider_page_keeps_the_language_switch(app):
    rp = relying_party(app)
    request = authorization_request(rp)
    page = browser(app).get(request.url)
    switch = re.search(r'<a href="([^"]+)" lang="en">English</a>', page.text)
    assert switch
    target = html.unescape(switch.group(1))
    english = browser(app).get(target)
    assert english.headers["Content-Language"] == "en"
    assert "Sign in" in english.text


def test_prompt_none_gets_the_level_answer_without_a_page(app):
    """prompt=none forbids any page (OIDC Core 3.1.2.1): a level-1 session asked
    for level 2 silently is answered by redirect, not by the explanation page."""
    rp = relying_party(app)
    b = browser(app)
    first = authorization_request(rp)
    page = b.get(first.url)
    submit(
        b, first.url, page, step="password", national_id=PHUC, password=DEMO_PASSWORD
    )
    silent = authorization_request(rp, acr_values="urn:vneid:loa:2", prompt="none")
    params = redirect_params(b.get(silent.url))
    assert params["error"] == "unmet_authentication_requirements"
    assert params["state"] == silent.state
