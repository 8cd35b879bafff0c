"""Concurrent requests against a real server: receipt codes stay unique and
gapless, and two officers acting on one dossier at once cannot both win."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from app.extensions import db
from identity.models import Citizen, Role
from tests import factories
from tests.conftest import LiveServer, find_organisation, live_auth
from tests.demo_ids import AN, BUSINESS, PHUC, RESIDENCE, WARD
from tests.problems import assert_problem
from tests.service_requests.helpers import png

#: Left out of `make test-fast`: starts gunicorn and races real requests.
pytestmark = pytest.mark.slow


def together(count: int, call: Callable[[int], Any]) -> list[Any]:
    """Run ``call`` in ``count`` threads released at the same instant."""
    start = threading.Barrier(count)

    def run(index: int) -> Any:
        start.wait()
        return call(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.real_sessions
def test_twenty_concurrent_submissions_get_twenty_consecutive_codes(
    live_server: LiveServer,
):
    headers = live_auth(live_server, AN)
    with live_server.app.app_context():
        an_id = db.session.scalar(
            sa.select(Citizen.id).where(Citizen.national_id == AN)
        )
    body = {
        "procedure_code": RESIDENCE,
        "form": {"content": ["permanent"], "purpose": "Thử tải đồng thời"},
        "documents": [
            {
                "code": "applicant_identity",
                "reference": {"kind": "identity", "id": str(an_id)},
            }
        ],
    }
    with httpx.Client(base_url=live_server.url, timeout=60) as api:
        responses = together(
            20, lambda _i: api.post("/api/v1/dossiers", json=body, auth=headers)
        )
    assert [r.status_code for r in responses] == [201] * 20, [
        r.text for r in responses if r.status_code != 201
    ]
    codes = [r.json()["receipt_code"] for r in responses]
    assert len(set(codes)) == 20
    prefixes = {code.rsplit("-", 1)[0] for code in codes}
    assert len(prefixes) == 1
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(numbers[0], numbers[0] + 20))


@pytest.mark.real_sessions
def test_two_officers_at_once_exactly_one_wins(live_server: LiveServer):
    with live_server.app.app_context():
        second_officer = factories.staff(
            find_organisation(WARD), Role.OFFICER
        ).national_id
        db.session.commit()
        db.session.remove()
    officers = [
        live_auth(live_server, PHUC, WARD, "officer"),
        live_auth(live_server, second_officer, WARD, "officer"),
    ]
    citizen = live_auth(live_server, AN)
    with httpx.Client(base_url=live_server.url, timeout=60) as api:
        races = (
            ([], [{"to": 2}, {"to": 2}]),  # both receive
            # From 4, completing and stopping exclude each other.
            (
                [{"to": 2}, {"to": 4}],
                [{"to": 9, "result": "Giấy chứng nhận"}, {"to": 8, "reason": "Dừng"}],
            ),
        )
        for _round in range(3):
            for setup, moves in races:
                dossier = _file(api, citizen)
                for step in setup:
                    assert (
                        api.post(
                            f"/api/v1/dossiers/{dossier}/transitions",
                            json=step,
                            auth=officers[0],
                        ).status_code
                        == 200
                    )
                url = f"/api/v1/dossiers/{dossier}/transitions"
                results = together(
                    2,
                    lambda i, url=url, moves=moves: api.post(
                        url, json=moves[i], auth=officers[i]
                    ),
                )
                assert sorted(r.status_code for r in results) == [200, 409], [
                    r.text for r in results
                ]
                loser = assert_problem(
                    next(r for r in results if r.status_code == 409),
                    409,
                    "dossier-transition-not-allowed",
                )
                winner = next(r for r in results if r.status_code == 200).json()
                assert loser["current_status"] == winner["status"]
                history = api.get(f"/api/v1/dossiers/{dossier}", auth=citizen).json()[
                    "history"
                ]
                assert len(history) == 1 + len(setup) + 1


def _file(api: httpx.Client, headers: dict[str, str]) -> str:
    upload = api.post(
        "/api/v1/uploads",
        files={"file": ("scan.png", png(), "image/png")},
        auth=headers,
    )
    assert upload.status_code == 201, upload.text
    me = api.get("/api/v1/me", auth=headers).json()
    response = api.post(
        "/api/v1/dossiers",
        json={
            "procedure_code": BUSINESS,
            "form": {
                "business_name": "Quán Thử",
                "address": "Phú Cường",
                "business_lines": "Ăn uống",
                "capital_vnd": 1,
            },
            "documents": [
                {
                    "code": "applicant_identity",
                    "reference": {"kind": "identity", "id": me["profile"]["id"]},
                },
                {"code": "premises_document", "upload_id": upload.json()["id"]},
            ],
        },
        auth=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]
