"""The operations centre's aggregates: figures about groups, never about a person.

Dossiers are filed, moved and rated through the API with the application's clock
set to a past month (the ``clock`` fixture), so that the month has closed and the
demo's dossiers (filed today) never share it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest

from service_requests import calendar
from service_requests.ratings import RATING_INDICES
from tests.demo_ids import AN, BUSINESS, HAI, POLICE, RESIDENCE, WARD
from tests.problems import assert_problem
from tests.service_requests.test_workflow import NEEDS, supplement

MARCH = date(2025, 3, 12)
#: An's own nine scores: a pattern no average of other ratings would repeat.
AN_SCORES = dict(zip(RATING_INDICES, (0, 2, 1, 0, 2, 1, 0, 2, 1), strict=True))
PLAIN_SCORES = dict.fromkeys(RATING_INDICES, 2)


def nine(day: date) -> datetime:
    """9:00 in Vietnam on ``day``."""
    return datetime.combine(day, time(9), tzinfo=calendar.TIMEZONE)


def walk(shop, dossier: str, steps: list[int], officer: dict[str, str]) -> None:
    for step in steps:
        response = shop.move(dossier, step, officer, **NEEDS.get(step, {}))
        assert response.status_code == 200, response.get_json()


def at_ward(shop, clock, steps: list[int], day: date = MARCH) -> str:
    """An's dossier at the ward, filed and moved on ``day``."""
    with clock.on(nine(day)):
        dossier = shop.submit(AN)["id"]
        walk(shop, dossier, steps, shop.officer())
    return dossier


def at_police(shop, clock, steps: list[int], day: date = MARCH) -> str:
    """Hải's dossier at the police, filed and moved on ``day``."""
    with clock.on(nine(day)):
        return _residence(shop, steps)


def _residence(shop, steps: list[int]) -> str:
    response = shop.client.post(
        "/api/v1/dossiers",
        json={
            "procedure_code": RESIDENCE,
            "form": {"content": ["permanent"], "purpose": "Vay vốn"},
            "documents": [
                {
                    "code": "applicant_identity",
                    "reference": {"kind": "identity", "id": str(shop.citizen(HAI).id)},
                }
            ],
        },
        headers=shop.as_citizen(HAI),
    )
    assert response.status_code == 201, response.get_json()
    dossier = response.get_json()["id"]
    walk(shop, dossier, steps, shop.officer(POLICE))
    return dossier


def rate(shop, dossier: str, scores: dict[str, int], national_id: str) -> None:
    response = shop.client.post(
        f"/api/v1/dossiers/{dossier}/rating",
        json={"scores": scores},
        headers=shop.as_citizen(national_id),
    )
    assert response.status_code == 201, response.get_json()


def rate_on(shop, clock, dossier: str, scores, national_id: str, day=MARCH) -> None:
    """Rate on ``day`` (a rating counts in the month it is given)."""
    with clock.on(nine(day)):
        rate(shop, dossier, scores, national_id)


def stats(shop, headers=None, **query: Any) -> dict[str, Any]:
    response = shop.client.get(
        "/api/v1/stats", query_string=query, headers=headers or shop.analyst()
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def counts(answer: dict[str, Any]) -> list[Any]:
    """Every count and figure of an answer about its dossiers (not the ratings)."""
    return [
        answer["dossiers"],
        *answer["by_status"].values(),
        *(line["dossiers"] for line in answer["by_procedure"]),
        *(answer[name] for name in ("finished", "on_time", "overdue_open")),
        *(
            answer[name]
            for name in (
                "on_time_rate",
                "average_processing_working_days",
                "reused_digitised_data_share",
                "fully_online_share",
            )
        ),
    ]


def test_one_dossier_for_one_agency_on_one_day_identifies_nobody(
    shop, organisation, clock
):
    refused = at_ward(shop, clock, [3])
    for _ in range(5):  # the police's month: enough to show
        at_police(shop, clock, [2, 4])
    ward, police = str(organisation(WARD).id), str(organisation(POLICE).id)
    day = {"from": MARCH.isoformat(), "to": MARCH.isoformat()}

    alone = stats(shop, **day, agency_id=ward)
    assert alone["period"] == {"from": "2025-03-01", "to": "2025-03-31"}
    assert alone["min_cell"] == 5
    assert counts(alone) == [None] * len(counts(alone))
    # Ratings are counted apart: nobody rated anything at the ward in March.
    assert (alone["ratings"], alone["average_scores"]) == (0, None)
    assert "dossiers" in alone["suppressed"]
    assert "by_status.3" in alone["suppressed"]

    # All agencies against the police alone: the difference is nothing, not An's.
    everyone = stats(shop, **day)
    only_police = stats(shop, **day, agency_id=police)
    assert only_police["dossiers"] == 5
    assert only_police["by_status"]["4"] == 5
    assert everyone["dossiers"] == only_police["dossiers"]
    assert everyone["by_status"] == only_police["by_status"]
    assert "dossiers" in everyone["partial"]
    ward_lines = [line for line in everyone["by_procedure"] if line["dossiers"] is None]
    assert BUSINESS in [line["code"] for line in ward_lines]
    assert refused not in str(everyone)


def test_a_month_set_against_a_longer_period_isolates_nobody(shop, organisation, clock):
    for _ in range(5):
        at_ward(shop, clock, [2, 4], day=date(2025, 2, 10))
    at_ward(shop, clock, [3])  # one refusal in March
    ward = str(organisation(WARD).id)
    february = stats(shop, agency_id=ward, **{"from": "2025-02-01", "to": "2025-02-28"})
    both = stats(shop, agency_id=ward, **{"from": "2025-02-01", "to": "2025-03-31"})
    assert february["by_status"]["4"] == 5
    for name in ("dossiers", "by_status"):
        assert both[name] == february[name]
    assert "by_status.3" in both["partial"]


def test_one_rating_does_not_show_its_scores(shop, organisation, clock):
    an_s = at_ward(shop, clock, [2, 4, 9, 10])
    rate_on(shop, clock, an_s, AN_SCORES, AN)
    for _ in range(5):
        dossier = at_police(shop, clock, [2, 4, 9, 10])
        rate_on(shop, clock, dossier, PLAIN_SCORES, HAI)
    ward, police = str(organisation(WARD).id), str(organisation(POLICE).id)
    month = {"from": "2025-03-01", "to": "2025-03-31"}

    alone = stats(shop, **month, agency_id=ward)
    assert (alone["ratings"], alone["average_scores"]) == (None, None)
    everyone = stats(shop, **month)
    assert (
        everyone["average_scores"]
        == stats(shop, **month, agency_id=police)["average_scores"]
    )
    assert everyone["average_scores"] == dict.fromkeys(RATING_INDICES, 2.0)
    assert everyone["ratings"] == 5
    # The officer who handled it reads the dossier without the rating; An sees his.
    assert shop.read(an_s, shop.officer()).get_json()["rating"] is None
    assert shop.read(an_s).get_json()["rating"]["scores"] == AN_SCORES


def test_ratings_are_averaged_over_k_of_them(
    shop, organisation, app, monkeypatch, clock
):
    monkeypatch.setitem(app.config, "STATS_MIN_CELL", 2)
    for scores in (AN_SCORES, PLAIN_SCORES):
        rate_on(shop, clock, at_ward(shop, clock, [2, 4, 9, 10]), scores, AN)
    answer = stats(shop, agency_id=str(organisation(WARD).id), **{"from": "2025-03-01"})
    assert (answer["min_cell"], answer["ratings"]) == (2, 2)
    assert answer["average_scores"] == {
        index: (AN_SCORES[index] + 2) / 2 for index in RATING_INDICES
    }


def test_an_officer_reads_the_figures_of_his_own_agency_only(shop, organisation):
    ward, police = str(organisation(WARD).id), str(organisation(POLICE).id)
    assert stats(shop, shop.officer(), agency_id=ward)["agency_id"] == ward
    for query in ({}, {"agency_id": police}):
        response = shop.client.get(
            "/api/v1/stats", query_string=query, headers=shop.officer()
        )
        assert_problem(response, 403, "forbidden")


def test_figures_count_on_time_late_reuse_and_online(
    shop, organisation, app, monkeypatch, clock
):
    monkeypatch.setitem(app.config, "STATS_MIN_CELL", 2)
    for _ in range(2):
        rate_on(shop, clock, at_ward(shop, clock, [2, 4, 9, 10]), PLAIN_SCORES, AN)
    for _ in range(2):
        late = at_ward(shop, clock, [2, 4])
        # Due on 17 March (three working days), processed on the 26th.
        with clock.on(nine(date(2025, 3, 26))):
            walk(shop, late, [9], shop.officer())
        assert shop.read(late).get_json()["on_time"] is False
    answer = stats(shop, agency_id=str(organisation(WARD).id), to="2025-03-31")
    assert answer["dossiers"] == 4
    assert (answer["by_status"]["9"], answer["by_status"]["10"]) == (2, 2)
    assert (answer["finished"], answer["on_time"], answer["on_time_rate"]) == (
        4,
        2,
        0.5,
    )
    assert (answer["ratings"], answer["overdue_open"]) == (2, 0)
    # All reused the applicant's identity from the register; the household business
    # registration is fully online.
    assert answer["reused_digitised_data_share"] == 1.0
    assert answer["fully_online_share"] == 1.0
    # Two the day they came, two 10 working days later (13–26 March).
    assert answer["average_processing_working_days"] == 5.0
    assert (answer["suppressed"], answer["partial"]) == ([], [])


def test_two_supplement_requests_finish_but_not_on_time(
    shop, organisation, app, monkeypatch, clock
):
    """The statistics read the verdict ``deadlines.is_on_time`` gave at the end."""
    monkeypatch.setitem(app.config, "STATS_MIN_CELL", 2)
    verdicts = []
    for requests in (1, 1, 2, 2):
        dossier = at_ward(shop, clock, [2, 4])
        with clock.on(nine(MARCH)):
            for _ in range(requests):
                walk(shop, dossier, [5], shop.officer())
                supplement(shop, dossier)
                walk(shop, dossier, [4], shop.officer())
            walk(shop, dossier, [9], shop.officer())
        verdicts.append(shop.read(dossier).get_json()["on_time"])
    assert verdicts == [True, True, False, False]
    answer = stats(shop, agency_id=str(organisation(WARD).id), **{"from": "2025-03-01"})
    assert (answer["finished"], answer["on_time"], answer["on_time_rate"]) == (
        4,
        2,
        0.5,
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"to": "9999-12-31"}, "query.to"),
        ({"from": "1999-12-31"}, "query.from"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "query.to"),
    ],
)
def test_the_period_is_bounded_and_ordered(shop, query, field):
    response = shop.client.get(
        "/api/v1/stats", query_string=query, headers=shop.analyst()
    )
    problem = assert_problem(response, 422, "validation-failed")
    assert list(problem["errors"]) == [field]


def test_a_period_error_speaks_vietnamese_and_english(shop):
    query = {"to": "9999-12-31"}
    headers = shop.analyst()
    vietnamese = shop.client.get("/api/v1/stats", query_string=query, headers=headers)
    english = shop.client.get(
        "/api/v1/stats", query_string=query, headers=headers | {"Accept-Language": "en"}
    )
    assert vietnamese.get_json()["errors"]["query.to"] == [
        "Hãy ghi một ngày từ 2000-01-01 đến 2099-12-31."
    ]
    assert english.get_json()["errors"]["query.to"] == [
        "Give a date from 2000-01-01 to 2099-12-31."
    ]
