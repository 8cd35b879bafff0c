"""Issue 11, finding 10: API JSON, /callback and /docs sent no nosniff or framing rule."""

from __future__ import annotations

import pytest

from tests.demo_ids import AN


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/citizens/me",  # JSON
        "/api/v1/no-such-thing",  # a problem
        "/callback?code=x&state=y",  # the app-link landing page
        "/docs",  # Swagger UI
        "/openapi.json",
        "/vneid/.well-known/openid-configuration",
    ],
)
def test_every_response_refuses_sniffing_and_framing(
    client, citizen, auth_headers, path
):
    response = client.get(path, headers=auth_headers(citizen(AN)))
    assert response.status_code < 500
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_json_may_load_nothing(client, citizen, auth_headers):
    response = client.get("/api/v1/citizens/me", headers=auth_headers(citizen(AN)))
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_a_page_keeps_its_own_stricter_policy(client):
    page = client.get("/verify")
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert policy.count("frame-ancestors") == 1
