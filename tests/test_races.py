"""Races against a real server, many requests at the same instant.

- the same refresh token twice at once: one pair is issued, the other request is
  a reuse, and the whole family is revoked (the winner's new tokens too);
- the same share code redeemed by two clinics at once: one artefact;
- a revocation racing a stream of reads: nothing is read once it has committed.

(Two officers moving one dossier at once: tests/service_requests/test_concurrency.py.)
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from app.auth import Actor
from app.db import utcnow
from app.extensions import db
from consent import answers, requests
from consent.models import ConsentArtefact
from consent.vocabulary import AccessMode
from identity.login import tokens
from identity.models import Role
from tests import factories, phone
from tests.conftest import (
    LiveServer,
    find_citizen,
    find_organisation,
    live_auth,
)
from tests.demo_ids import AN, BINH, CLINIC, CUC
from tests.problems import assert_problem
from tests.service_requests.test_concurrency import together

#: Left out of `make test-fast`: starts gunicorn and races real requests.
pytestmark = pytest.mark.slow


@pytest.mark.real_sessions
def test_one_refresh_token_used_twice_at_once(live_server: LiveServer):
    key = phone.new_key()
    with live_server.app.app_context():
        pair = tokens.start_session(
            find_citizen(AN),
            acr="urn:vneid:loa:2",
            auth_time=utcnow(),
            dpop_jkt=key.thumbprint(),
        )
        db.session.commit()
        db.session.remove()
    with httpx.Client(base_url=live_server.url, timeout=60) as api:
        answers = together(
            2,
            lambda _i: api.post(
                "/api/v1/auth/refresh",
                json={"refresh_token": pair["refresh_token"]},
                auth=phone.LoginProof(key),
            ),
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 401], [a.text for a in answers]
        assert_problem(
            next(a for a in answers if a.status_code == 401),
            401,
            "refresh-token-reused",
        )
        winner = next(a for a in answers if a.status_code == 200).json()
        # Reuse revokes the family: the winner's fresh tokens are dead too.
        me = api.get("/api/v1/me", auth=phone.PhoneAuth(winner["access_token"], key))
        assert me.status_code == 401
        again = api.post(
            "/api/v1/auth/refresh",
            json={"refresh_token": winner["refresh_token"]},
            auth=phone.LoginProof(key),
        )
        assert again.status_code == 401


@pytest.mark.real_sessions
def test_one_share_code_redeemed_by_two_clinics_at_once(live_server: LiveServer):
    with live_server.app.app_context():
        second = factories.clinic()
        second_doctor = factories.staff(second, Role.DOCTOR)
        db.session.commit()
        second_clinic = (second_doctor.national_id, second.code)
        db.session.remove()
    clinics = [
        live_auth(live_server, CUC, CLINIC, "doctor"),
        live_auth(live_server, *second_clinic, "doctor"),
    ]
    # Sharing needs a fresh level-2 login.
    an = live_auth(live_server, AN)
    with httpx.Client(base_url=live_server.url, timeout=60) as api:
        for _round in range(3):
            code = api.post(
                "/api/v1/share-codes", json={"categories": ["allergies"]}, auth=an
            ).json()["code"]
            answers = together(
                2,
                lambda i, code=code: api.post(
                    f"/api/v1/share-codes/{code}/redeem", auth=clinics[i]
                ),
            )
            assert sorted(a.status_code for a in answers) == [201, 404], [
                a.text for a in answers
            ]
    with live_server.app.app_context():
        artefacts = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ConsentArtefact)
            .where(ConsentArtefact.share_code_id.is_not(None))
        )
        db.session.remove()
    assert artefacts == 3


@pytest.mark.real_sessions
def test_nothing_is_read_after_a_revocation_commits(live_server: LiveServer):
    with live_server.app.app_context():
        an, binh, cuc = find_citizen(AN), find_citizen(BINH), find_citizen(CUC)
        clinic = find_organisation(CLINIC)
        doctor = Actor(citizen_id=cuc.id, org_id=clinic.id, role="doctor")
        asked = requests.create_request(
            doctor,
            {
                "subject_id": binh.id,
                "purpose": "CAREMGT",
                "categories": ["immunizations"],
                "data_from": utcnow().date() - timedelta(days=365 * 15),
                "data_to": utcnow().date(),
                "valid_until": utcnow() + timedelta(days=1),
                "access_mode": AccessMode.VIEW,
            },
        )
        guardian = Actor(citizen_id=an.id, acr="urn:vneid:loa:2", auth_time=utcnow())
        artefact = answers.approve(guardian, asked.id, {})
        db.session.commit()
        artefact_id, binh_id = artefact.id, binh.id
        db.session.remove()
    reader = live_auth(live_server, CUC, CLINIC, "doctor")
    owner = live_auth(live_server, AN)
    reads: list[tuple[float, int]] = []
    stop = threading.Event()

    def keep_reading() -> None:
        with httpx.Client(base_url=live_server.url, timeout=60) as api:
            while not stop.is_set():
                started = time.monotonic()
                response = api.get(
                    f"/api/v1/citizens/{binh_id}/health-book/immunizations",
                    auth=reader,
                )
                reads.append((started, response.status_code))

    threads = [threading.Thread(target=keep_reading) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        with httpx.Client(base_url=live_server.url, timeout=60) as api:
            revoked = api.post(
                f"/api/v1/consents/{artefact_id}/revoke", json={}, auth=owner
            )
        committed = time.monotonic()
        assert revoked.status_code == 200, revoked.text
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    before = [status for started, status in reads if started < committed]
    after = [status for started, status in reads if started > committed]
    assert 200 in before  # the reads were flowing
    assert after, "no read started after the revocation"
    assert set(after) == {403}
