"""The login's landing page says in plain words what happened (issue 16: pressing
"Từ chối" at VNeID ended on an unstyled English page that read
"VNeID: access_denied The resource owner or authorization server denied the
request")."""

from __future__ import annotations

import re

import pytest


def _main_message(page) -> str:
    found = re.search(
        r'<p class="(?:error|notice)" role="\w+">(.*?)</p>', page.text, re.S
    )
    assert found, page.text
    return found.group(1)


def test_a_declined_sign_in_reads_as_such_in_vietnamese(client):
    page = client.get(
        "/callback?error=access_denied&state=s"
        "&error_description=The+resource+owner+or+authorization+server+denied+the+request",
        headers={"Accept-Language": "vi"},
    )
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "vi"
    assert "<h1>Bạn chưa đăng nhập</h1>" in page.text
    message = _main_message(page)
    assert "đăng nhập lại" in message
    assert "resource owner" not in message
    assert "access_denied" not in message
    # The code and the library's words stay, for the app's developers.
    assert "<details>" in page.text
    assert "access_denied" in page.text


@pytest.mark.parametrize(
    ("error", "heading"),
    [
        (
            "unmet_authentication_requirements",
            "A level 2 electronic identity account is needed",
        ),
        ("login_required", "Please sign in again"),
        ("temporarily_unavailable", "VNeID is busy"),
        ("invalid_scope", "Sign-in failed"),
    ],
)
def test_each_answer_of_vneid_has_its_own_words_in_english(client, error, heading):
    page = client.get(f"/callback?error={error}", headers={"Accept-Language": "en"})
    assert page.headers["Content-Language"] == "en"
    assert f"<h1>{heading}</h1>" in page.text
    assert error not in _main_message(page)


def test_a_sign_in_shows_the_code_for_developers_and_switches_language(client):
    page = client.get("/callback?code=abc&state=xyz", headers={"Accept-Language": "vi"})
    assert "<h1>Đã đăng nhập tại VNeID</h1>" in page.text
    assert '<pre id="code">abc</pre>' in page.text
    assert '<pre id="state">xyz</pre>' in page.text
    switch = re.search(r'<a href="\?([^"]+)" lang="en">English</a>', page.text)
    assert switch
    english = client.get(f"/callback?{switch.group(1).replace('&amp;', '&')}")
    assert english.headers["Content-Language"] == "en"
    assert '<pre id="code">abc</pre>' in english.text
    assert "<h1>Signed in at VNeID</h1>" in english.text
