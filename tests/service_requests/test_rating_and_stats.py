"""Ratings on Decree 61's nine indices, and the operations centre's aggregates."""

from __future__ import annotations

import json

from service_requests.ratings import RATING_INDICES
from tests.demo_ids import AN, HAI
from tests.problems import assert_problem
from tests.service_requests.test_workflow import NEEDS

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
