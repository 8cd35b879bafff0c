"""A retried creating POST with the same Idempotency-Key creates nothing new."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import idempotency
from app.db import utcnow
from app.extensions import db
from app.idempotency import IdempotencyRecord, _is_expired, purge_expired
from identity.models import Citizen, Role
from tests import factories
from tests.consent.helpers import request_body
from tests.demo_ids import AN, CLINIC, CUC, HAI
from tests.factories import VALID_CITIZEN
from tests.problems import assert_problem


def count_citizens(national_id: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(Citizen.national_id == national_id)
    )


@pytest.fixture
def as_an(citizen, auth_headers):
    return auth_headers(citizen(AN))


def test_same_key_and_body_replays_first_response_and_creates_once(probe, as_an):
    headers = as_an | {"Idempotency-Key": "7b1d2c4e-retry-1"}
    first = probe.post("/_probe/citizens", json=VALID_CITIZEN, headers=headers)
    second = probe.post("/_probe/citizens", json=VALID_CITIZEN, headers=headers)

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count_citizens(VALID_CITIZEN["national_id"]) == 1


def test_same_key_with_different_body_is_422(probe, as_an):
    headers = as_an | {"Idempotency-Key": "retry-2"}
    probe.post("/_probe/citizens", json=VALID_CITIZEN, headers=headers)
    changed = dict(VALID_CITIZEN, full_name="Trương Minh Khôi")
    response = probe.post("/_probe/citizens", json=changed, headers=headers)

    assert_problem(response, 422, "idempotency-key-reused")
    assert count_citizens(VALID_CITIZEN["national_id"]) == 1


def test_same_key_from_another_caller_is_independent(probe, citizen, auth_headers):
    key = {"Idempotency-Key": "shared-key"}
    first = probe.post(
        "/_probe/citizens", json=VALID_CITIZEN, headers=auth_headers(citizen(AN)) | key
    )
    other = dict(VALID_CITIZEN, national_id="079201654321")
    second = probe.post(
        "/_probe/citizens", json=other, headers=auth_headers(citizen(HAI)) | key
    )
    assert first.status_code == 201
    assert second.status_code == 201
    assert second.get_json()["id"] != first.get_json()["id"]


def test_key_older_than_24_hours_no_longer_replays(probe, as_an):
    headers = as_an | {"Idempotency-Key": "old-key"}
    probe.post("/_probe/citizens", json=VALID_CITIZEN, headers=headers)
    db.session.execute(
        sa.update(IdempotencyRecord).values(created_at=utcnow() - timedelta(hours=25))
    )
    other = dict(VALID_CITIZEN, national_id="079201654321")
    response = probe.post("/_probe/citizens", json=other, headers=headers)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert count_citizens("079201654321") == 1


def test_failed_request_releases_its_key(probe, as_an):
    headers = as_an | {"Idempotency-Key": "fails-then-succeeds"}
    invalid = dict(VALID_CITIZEN, national_id="12")
    failed = probe.post("/_probe/citizens", json=invalid, headers=headers)
    assert_problem(failed, 422, "validation-failed")
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord))
        == 0
    )

    retried = probe.post("/_probe/citizens", json=invalid, headers=headers)
    assert_problem(retried, 422, "validation-failed")


def test_request_still_running_gets_409_with_retry_after(probe, as_an, citizen):
    body = json.dumps(VALID_CITIZEN).encode()
    fingerprint = hashlib.sha256(b"POST /_probe/citizens\n" + body).hexdigest()
    db.session.add(
        IdempotencyRecord(
            caller=f"{citizen(AN).id}|", key="in-flight", fingerprint=fingerprint
        )
    )
    db.session.flush()
    response = probe.post(
        "/_probe/citizens",
        data=body,
        content_type="application/json",
        headers=as_an | {"Idempotency-Key": "in-flight"},
    )
    assert_problem(response, 409, "idempotency-key-in-use")
    assert response.headers["Retry-After"] == "1"
    assert count_citizens(VALID_CITIZEN["national_id"]) == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tinside", "ký-tự"])
def test_malformed_key_is_400(probe, as_an, key):
    response = probe.post(
        "/_probe/citizens",
        json=VALID_CITIZEN,
        headers=as_an | {"Idempotency-Key": key},
    )
    assert_problem(response, 400, "idempotency-key-invalid")
    assert count_citizens(VALID_CITIZEN["national_id"]) == 0


def test_same_key_from_the_same_citizen_for_another_organisation_is_independent(
    client, citizen, organisation, auth_headers
):
    """Cúc retries for her clinic, then uses the key again for the hospital."""
    cuc, clinic = citizen(CUC), organisation(CLINIC)
    hospital = factories.clinic(name="Bệnh viện Đa khoa tỉnh")
    factories.membership(cuc, hospital, Role.DOCTOR)
    body = request_body(citizen(AN).id)
    key = {"Idempotency-Key": "same-phone-same-key"}
    for_clinic = auth_headers(cuc, org=clinic, role="doctor") | key
    for_hospital = auth_headers(cuc, org=hospital, role="doctor") | key

    first = client.post("/api/v1/consent-requests", json=body, headers=for_clinic)
    retried = client.post("/api/v1/consent-requests", json=body, headers=for_clinic)
    other = client.post("/api/v1/consent-requests", json=body, headers=for_hospital)

    assert (first.status_code, retried.status_code, other.status_code) == (201,) * 3
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.get_json()["id"] == first.get_json()["id"]
    assert "Idempotent-Replayed" not in other.headers
    assert other.get_json()["id"] != first.get_json()["id"]
    assert other.get_json()["requester_org_id"] == str(hospital.id)
    assert first.get_json()["requester_org_id"] == str(clinic.id)


def test_purge_deletes_records_past_their_day_and_keeps_the_rest(app, probe, as_an):
    for key, national_id in (
        ("stale-key", "079201654301"),
        ("fresh-key", "079201654302"),
    ):
        body = dict(VALID_CITIZEN, national_id=national_id)
        probe.post(
            "/_probe/citizens", json=body, headers=as_an | {"Idempotency-Key": key}
        )
    db.session.execute(
        sa.update(IdempotencyRecord)
        .where(IdempotencyRecord.key == "stale-key")
        .values(created_at=utcnow() - timedelta(hours=24, seconds=1))
    )
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["purge-expired"])

    assert result.exit_code == 0, result.output
    assert "Deleted 1 expired idempotency records" in result.output
    assert db.session.scalars(sa.select(IdempotencyRecord.key)).all() == ["fresh-key"]


def test_without_a_token_the_same_key_is_not_deduplicated(probe):
    """Keys belong to a caller: a request without a token has none to scope them to."""
    key = {"Idempotency-Key": "anonymous-key"}
    other = dict(VALID_CITIZEN, national_id="079201654321")
    first = probe.post(
        "/_probe/anonymous/kiosk/citizens", json=VALID_CITIZEN, headers=key
    )
    second = probe.post("/_probe/anonymous/kiosk/citizens", json=other, headers=key)

    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second.headers
    assert second.get_json()["id"] != first.get_json()["id"]
    assert count_citizens(other["national_id"]) == 1
    assert db.session.scalar(sa.select(sa.func.count(IdempotencyRecord.id))) == 0


def test_a_record_exactly_one_day_old_is_expired(app, clock):
    """Replayed *within* 24 hours: at 24 hours to the microsecond, no longer."""
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    ttl = app.config["IDEMPOTENCY_TTL"]
    clock.at(now)
    assert _is_expired(IdempotencyRecord(created_at=now - ttl))
    clock.at(now)
    assert not _is_expired(IdempotencyRecord(created_at=now - ttl + timedelta(0, 1)))


def test_purge_deletes_a_record_exactly_one_day_old(probe, as_an, clock):
    probe.post(
        "/_probe/citizens",
        json=VALID_CITIZEN,
        headers=as_an | {"Idempotency-Key": "a-day-old"},
    )
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    db.session.execute(
        sa.update(IdempotencyRecord).values(created_at=now - timedelta(hours=24))
    )
    clock.at(now)

    assert purge_expired() == 1
    assert db.session.scalar(sa.select(sa.func.count(IdempotencyRecord.id))) == 0


def test_purge_with_nothing_expired_deletes_and_reports_nothing(app, probe, as_an):
    probe.post(
        "/_probe/citizens",
        json=VALID_CITIZEN,
        headers=as_an | {"Idempotency-Key": "fresh"},
    )
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["purge-expired"])

    assert result.exit_code == 0, result.output
    assert "Deleted 0 expired idempotency records" in result.output
    assert db.session.scalars(sa.select(IdempotencyRecord.key)).all() == ["fresh"]


@pytest.mark.parametrize(
    ("retried_key", "replays"),
    [('"quoted-key"', True), ("  quoted-key\t", True), ("Xquoted-keyX", False)],
)
def test_only_quotes_and_spaces_around_a_key_are_not_part_of_it(
    probe, as_an, retried_key, replays
):
    """A key sent as a structured-field string ("…") is the same key, unquoted."""
    first = probe.post(
        "/_probe/citizens",
        json=VALID_CITIZEN,
        headers=as_an | {"Idempotency-Key": "quoted-key"},
    )
    other = dict(VALID_CITIZEN, national_id="079201654321")
    retried = probe.post(
        "/_probe/citizens",
        json=VALID_CITIZEN if replays else other,
        headers=as_an | {"Idempotency-Key": retried_key},
    )

    assert (first.status_code, retried.status_code) == (201, 201)
    assert (retried.headers.get("Idempotent-Replayed") == "true") is replays
    assert count_citizens(other["national_id"]) == (0 if replays else 1)


WINNERS_BODY = b'{"id": "the-request-that-won"}'


def _lose_the_race(monkeypatch, *, winner_completes: bool) -> bytes:
    """Another request with the same key claims it just after this one looked.

    This request's look finds no row; the other's row is in before this one's
    claim, so the claim fails and this request looks again. If the other request
    completed, that look finds its response; if it failed, its row is gone again.
    Returns the body this request sends (the other sent the same).
    """
    body = json.dumps(VALID_CITIZEN).encode()
    fingerprint = hashlib.sha256(b"POST /_probe/citizens\n" + body).hexdigest()
    real_find = idempotency._find
    looks: list[IdempotencyRecord | None] = []

    def find(caller: str, key: str) -> IdempotencyRecord | None:
        if not looks:
            looks.append(real_find(caller, key))
            db.session.add(
                IdempotencyRecord(
                    caller=caller,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=201,
                    response_headers={"Content-Type": "application/json"},
                    response_body=WINNERS_BODY,
                )
            )
            db.session.flush()
            return looks[0]
        if not winner_completes:
            db.session.execute(
                sa.delete(IdempotencyRecord).where(IdempotencyRecord.key == key)
            )
        looks.append(real_find(caller, key))
        return looks[-1]

    monkeypatch.setattr(idempotency, "_find", find)
    return body


def test_a_request_that_loses_the_race_for_its_key_replays_the_winners_response(
    probe, as_an, monkeypatch
):
    body = _lose_the_race(monkeypatch, winner_completes=True)
    response = probe.post(
        "/_probe/citizens",
        data=body,
        content_type="application/json",
        headers=as_an | {"Idempotency-Key": "raced"},
    )

    assert response.status_code == 201
    assert response.headers["Idempotent-Replayed"] == "true"
    assert response.get_data() == WINNERS_BODY
    assert count_citizens(VALID_CITIZEN["national_id"]) == 0


def test_a_request_that_loses_the_race_to_a_failing_request_is_told_to_retry(
    probe, as_an, monkeypatch
):
    body = _lose_the_race(monkeypatch, winner_completes=False)
    response = probe.post(
        "/_probe/citizens",
        data=body,
        content_type="application/json",
        headers=as_an | {"Idempotency-Key": "raced"},
    )

    assert_problem(response, 409, "idempotency-key-in-use")
    assert response.headers["Retry-After"] == "1"
    assert count_citizens(VALID_CITIZEN["national_id"]) == 0
