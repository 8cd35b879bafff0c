"""Browsers on the origins a deployment names may call the API; no other origin
may, and with none named (the default) no answer says anything of CORS."""

from __future__ import annotations

import pytest

from tests.conftest import make_app

WEB_APP = "https://dichvucong.binhduong.gov.vn"


@pytest.fixture(scope="module")
def cors_client(database_url):
    application = make_app(database_url, CORS_ORIGINS=[WEB_APP])
    return application.test_client()


def test_no_origin_is_allowed_by_default(client):
    answer = client.get("/api/v1/procedures", headers={"Origin": WEB_APP})
    assert answer.status_code == 200
    assert "Access-Control-Allow-Origin" not in answer.headers
    preflight = client.options(
        "/api/v1/dossiers",
        headers={"Origin": WEB_APP, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_a_named_origin_may_call_with_a_bearer_token_and_read_the_headers(cors_client):
    preflight = cors_client.options(
        "/api/v1/dossiers",
        headers={
            "Origin": WEB_APP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == WEB_APP
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "idempotency-key"} <= {
        header.strip() for header in allowed.split(",")
    }
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers

    answer = cors_client.get("/api/v1/procedures", headers={"Origin": WEB_APP})
    assert answer.headers["Access-Control-Allow-Origin"] == WEB_APP
    assert "Origin" in answer.headers["Vary"]
    assert "ETag" in answer.headers["Access-Control-Expose-Headers"]


def test_another_origin_and_the_providers_pages_get_no_cors(cors_client):
    elsewhere = cors_client.get(
        "/api/v1/procedures", headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in elsewhere.headers
    login_page = cors_client.get(
        "/.well-known/openid-configuration", headers={"Origin": WEB_APP}
    )
    assert "Access-Control-Allow-Origin" not in login_page.headers


@pytest.mark.parametrize(
    "origin",
    [
        "*",
        "https://*.binhduong.gov.vn",
        "https://a.vn/",
        "https://a.vn/path",
        "ftp://a.vn",
        "a.vn",
        "https://(a|b).vn",
    ],
)
def test_anything_but_an_exact_origin_is_refused_at_start(database_url, origin):
    """Issue 16's attack review: flask-cors reads a pattern into an origin, and
    'https://*.binhduong.gov.vn' let https://ebinhduong.gov.vn.attacker.example in."""
    with pytest.raises(ValueError, match="exact origins"):
        make_app(database_url, CORS_ORIGINS=[origin])


def test_an_origin_that_only_begins_like_a_named_one_is_not_allowed(cors_client):
    for origin in (
        WEB_APP + ".attacker.example",
        WEB_APP + ":8443",
        "http://dichvucong.binhduong.gov.vn",
    ):
        answer = cors_client.get("/api/v1/procedures", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in answer.headers, origin
    outside = cors_client.get("/apix", headers={"Origin": WEB_APP})
    assert "Access-Control-Allow-Origin" not in outside.headers
