"""Ratings on Decree 61's nine indices, and the operations centre's aggregates."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from app.db import utcnow
from app.extensions import db
from service_requests import calendar
from service_requests.models import Dossier
from service_requests.services import RATING_INDICES
from tests.service_requests.helpers import AN, HAI, WARD
from tests.service_requests.test_workflow import NEEDS
from tests.test_errors import assert_problem

SCORES = dict.fromkeys(RATING_INDICES, 2)


def returned(shop) -> str:
    dossier = shop.submit()["id"]
    for step in (2, 4, 9, 10):
        assert shop.move(dossier, step, **NEEDS.get(step, {})).status_code == 200
    return dossier


def rate(shop, dossier: str, headers: dict[str, str], scores=None):
    return shop.client.post(
        f"/api/v1/dossiers/{dossier}/rating",
        json={"scores": scores or SCORES, "comment": "Nhanh gọn"},
        headers=headers,
    )


def test_rating_once_by_the_owner_only_once_returned(shop):
    processed = shop.submit()["id"]
    for step in (2, 4, 9):
        shop.move(processed, step, **NEEDS.get(step, {}))
    early = rate(shop, processed, shop.as_citizen())
    assert assert_problem(early, 409, "dossier-rating-refused")["current_status"] == 9

    dossier = returned(shop)
    assert_problem(rate(shop, dossier, shop.as_citizen(HAI)), 404, "not-found")
    assert_problem(rate(shop, dossier, shop.officer()), 403, "forbidden")
    partial = rate(shop, dossier, shop.as_citizen(), {"overall": 2})
    assert "scores" in assert_problem(partial, 422, "validation-failed")["errors"]
    too_high = rate(shop, dossier, shop.as_citizen(), {**SCORES, "overall": 3})
    assert_problem(too_high, 422, "validation-failed")

    first = rate(shop, dossier, shop.as_citizen())
    assert first.status_code == 201
    assert first.get_json()["scores"] == SCORES
    again = rate(shop, dossier, shop.as_citizen())
    assert assert_problem(again, 409, "dossier-rating-refused")["rated"] is True
    assert shop.read(dossier).get_json()["rating"]["scores"] == SCORES


def test_stats_are_for_the_operations_centre_only(shop):
    assert_problem(
        shop.client.get("/api/v1/stats", headers=shop.as_citizen()), 403, "forbidden"
    )
    assert_problem(
        shop.client.get("/api/v1/stats", headers=shop.officer()), 403, "forbidden"
    )
    assert shop.client.get("/api/v1/stats", headers=shop.analyst()).status_code == 200


def test_stats_count_on_time_late_reuse_and_online(shop, organisation):
    today = calendar.local(utcnow()).date()  # periods are Vietnam dates
    query = {
        "from": today.isoformat(),
        "to": today.isoformat(),
        "agency_id": str(organisation(WARD).id),
    }
    before = shop.client.get(
        "/api/v1/stats", query_string=query, headers=shop.analyst()
    ).get_json()

    on_time = returned(shop)
    late = shop.submit()["id"]
    for step in (2, 4, 9):
        shop.move(late, step, **NEEDS.get(step, {}))
    record = db.session.get(Dossier, uuid.UUID(late))
    record.target_due_at = record.finished_at - timedelta(
        days=1
    )  # finished after its target
    db.session.flush()
    rate(shop, on_time, shop.as_citizen())

    after = shop.client.get(
        "/api/v1/stats", query_string=query, headers=shop.analyst()
    ).get_json()
    assert after["dossiers"] == before["dossiers"] + 2
    assert after["finished"] == before["finished"] + 2
    assert after["on_time"] == before["on_time"] + 1
    assert after["by_status"]["10"] == before["by_status"]["10"] + 1
    assert after["by_status"]["9"] == before["by_status"]["9"] + 1
    assert after["ratings"] == before["ratings"] + 1
    assert 0 < after["on_time_rate"] < 1
    # Both reused the applicant's identity from the register; the household
    # business registration is fully online.
    assert after["reused_digitised_data_share"] == 1.0
    assert after["fully_online_share"] > 0
    assert after["average_processing_working_days"] == 0


def test_stats_hold_no_personal_data(shop, citizen):
    dossier = shop.submit()
    text = json.dumps(
        shop.client.get("/api/v1/stats", headers=shop.analyst()).get_json(),
        ensure_ascii=False,
    )
    an = citizen(AN)
    for personal in (
        an.national_id,
        an.full_name,
        str(an.id),
        dossier["receipt_code"],
        dossier["id"],
    ):
        assert personal not in text


def test_stats_refuse_a_backwards_period(shop):
    response = shop.client.get(
        "/api/v1/stats",
        query_string={"from": "2026-12-01", "to": "2026-11-01"},
        headers=shop.analyst(),
    )
    assert "query.to" in assert_problem(response, 422, "validation-failed")["errors"]
