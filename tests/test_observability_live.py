"""Observability as gunicorn serves it: the logs of a whole walkthrough hold no one's
personal data, and the metrics add up over its worker processes."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from identity.demo import CITIZENS
from tests import phone
from tests.conftest import live_auth, running_server
from tests.demo_ids import AN, CLINIC, CUC, HAI
from tests.identity.oidc import sign_in

pytestmark = pytest.mark.slow  # starts gunicorn

TOKEN = "scraper-token-for-the-live-test"


def _personal_data() -> list[str]:
    """Every demo person's national id, name, birth date and phone number."""
    found: list[str] = []
    for national_id, name, born, _sex, phone_number, *_ in CITIZENS:
        found += [national_id, name, born.isoformat(), born.strftime("%d/%m/%Y")]
        found += [phone_number] if phone_number else []
    return found


def _phone_login(http: httpx.Client, base_url: str) -> tuple[str, phone.ECKey]:
    """Hải logs in as the phone does: national id and password at the provider."""
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    verifier = "v" * 64
    started = http.post(
        "/api/v1/auth/vneid/start",
        json={
            "redirect_uri": f"{base_url}/callback",
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        },
    ).json()
    with httpx.Client(base_url=base_url) as browser:
        final = sign_in(browser, started["authorization_url"], HAI)
    assert final.status_code == 302, final.text[:300]
    params = {
        k: v[0] for k, v in parse_qs(urlsplit(final.headers["Location"]).query).items()
    }
    key = phone.new_key()
    answer = http.post(
        "/api/v1/auth/vneid",
        json={
            "code": params["code"],
            "state": params["state"],
            "code_verifier": verifier,
        },
        auth=phone.LoginProof(key),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"], key


@pytest.mark.real_sessions
def test_the_logs_of_a_walkthrough_hold_no_personal_data(scratch_database_url) -> None:
    with (
        running_server(scratch_database_url) as server,
        httpx.Client(base_url=server.url, timeout=20) as http,
    ):
        token, key = _phone_login(http, server.url)
        me = http.get("/api/v1/me", auth=phone.PhoneAuth(token, key))
        assert me.status_code == 200
        assert me.json()["profile"]["national_id"] == HAI

        an = live_auth(server, AN)
        clinic = live_auth(server, CUC, CLINIC, "doctor")
        an_id = http.get("/api/v1/me", auth=an).json()["profile"]["id"]
        asked = http.post(
            "/api/v1/consent-requests",
            json={
                "subject_id": an_id,
                "purpose": "CAREMGT",
                "categories": ["immunizations", "identity_basic"],
                "data_from": "2000-01-01",
                "data_to": "2026-01-01",
                "valid_until": "2027-06-01T00:00:00Z",
                "access_mode": "view",
            },
            auth=clinic,
        )
        assert asked.status_code == 201, asked.text
        approved = http.post(
            f"/api/v1/consent-requests/{asked.json()['id']}/approve", json={}, auth=an
        )
        assert approved.status_code == 201, approved.text
        read = http.get(
            f"/api/v1/citizens/{an_id}/health-book/immunizations", auth=clinic
        )
        assert read.status_code == 200, read.text
        assert http.get(f"/api/v1/citizens/{an_id}", auth=clinic).status_code == 200
        assert http.get("/api/v1/citizens/me/access-log", auth=an).status_code == 200
        assert http.get("/api/v1/notifications", auth=an).status_code == 200
        # What a client may send that holds personal data, refused.
        bad = http.post(
            "/api/v1/consent-requests",
            json={"subject_id": AN, "purpose": "Nguyễn Văn An 0912000101"},
            auth=clinic,
        )
        assert bad.status_code == 422
        wrong = http.get(f"/api/v1/citizens/{AN}", auth=clinic)
        assert wrong.status_code == 404
        time.sleep(0.5)  # let the workers' last lines reach the file
        logged = server.log.read_text()

    lines = logged.splitlines()
    requests = [json.loads(line) for line in lines if '"event": "request"' in line]
    assert len(requests) >= 10
    ids = [line["request_id"] for line in requests]
    assert len(ids) == len(set(ids))  # each request written once
    leaked = [
        line for line in lines if any(value in line for value in _personal_data())
    ]
    assert leaked == []
    assert token not in logged


@pytest.mark.real_sessions
def test_metrics_add_up_over_the_worker_processes(
    scratch_database_url, tmp_path: Path
) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    with running_server(
        scratch_database_url,
        server_env={"PROMETHEUS_MULTIPROC_DIR": str(directory), "WORKERS": "2"},
        METRICS_TOKEN=TOKEN,
    ) as server:

        def livez_count() -> float:
            answer = httpx.get(
                f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert answer.status_code == 200
            for family in text_string_to_metric_families(answer.text):
                for sample in family.samples:
                    if (
                        sample.name == "congdan_http_requests_total"
                        and sample.labels.get("route") == "/livez"
                    ):
                        return sample.value
            return 0.0

        before = livez_count()
        for _ in range(40):  # a new connection each: both workers take some
            assert httpx.get(f"{server.url}/livez").status_code == 200
        counts = {livez_count() for _ in range(6)}  # whichever worker answers
        assert counts == {before + 40}
        assert httpx.get(f"{server.url}/metrics").status_code == 401
        writers = {
            path.name.rsplit("_", 1)[-1] for path in directory.glob("counter_*.db")
        }
        assert len(writers) >= 2  # more than one process counted
