"""What the operations centre's dashboard reads from ``/api/v1/stats`` (issue 16):
named statuses, each agency's line, a series by day, week or month, and consent
and transcript activity — each small figure hidden as the rest are."""

from __future__ import annotations

from datetime import date

import pytest

from tests.demo_ids import POLICE, WARD
from tests.problems import assert_problem
from tests.service_requests.test_stats import at_police, at_ward, stats

MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


def _ward_march(shop, clock) -> None:
    """Five dossiers at the ward on 10 March, five more on the 11th, and one at
    the police on the 12th (a month of one: hidden)."""
    for day in (date(2025, 3, 10), date(2025, 3, 11)):
        for _ in range(5):
            at_ward(shop, clock, [2, 4], day=day)
    at_police(shop, clock, [2], day=date(2025, 3, 12))


def test_the_statuses_come_with_their_national_names(shop, clock):
    _ward_march(shop, clock)
    answer = stats(shop, **MARCH)
    named = {line["code"]: line for line in answer["statuses"]}
    assert [line["code"] for line in answer["statuses"]] == list(range(1, 11))
    assert named[4]["name"] == "Đang xử lý"
    assert named[4]["name_en"] == "Processing"
    assert named[4]["dossiers"] == answer["by_status"]["4"] == 10


def test_the_daily_series_shows_big_days_and_hides_a_lone_one(shop, clock):
    _ward_march(shop, clock)
    answer = stats(shop, **MARCH, interval="day")
    assert answer["interval"] == "day"
    points = {point["start"]: point["dossiers"] for point in answer["series"]}
    assert len(points) == 31  # every day of the month is a point, empty ones too
    assert points["2025-03-10"] == points["2025-03-11"] == 5
    assert points["2025-03-01"] == 0
    # The police's one dossier of March is hidden with every day of its month,
    # empty ones too: each day shows the ward's figure only, and says so. (Hiding
    # only the 12th would name the day of the police's dossier.)
    assert points["2025-03-12"] == 0
    assert {f"series.2025-03-{day:02d}" for day in range(1, 32)} <= set(
        answer["partial"]
    )


def test_weeks_start_on_monday_and_months_add_up(shop, clock):
    _ward_march(shop, clock)
    weeks = stats(shop, **MARCH, interval="week")["series"]
    assert [point["start"] for point in weeks][:2] == ["2025-02-24", "2025-03-03"]
    by_start = {point["start"]: point["dossiers"] for point in weeks}
    assert by_start["2025-03-10"] == 10  # the police's day is left out, and said so
    month = stats(shop, **MARCH, interval="month")
    assert month["series"] == [{"start": "2025-03-01", "dossiers": 10}]
    assert "series.2025-03-01" in month["partial"]


def test_each_agency_has_its_line_and_a_small_one_is_hidden(shop, organisation, clock):
    _ward_march(shop, clock)
    lines = {line["agency_id"]: line for line in stats(shop, **MARCH)["by_agency"]}
    ward, police = (
        lines[str(organisation(WARD).id)],
        lines[str(organisation(POLICE).id)],
    )
    # Three working days to handle them: still open at the close, so overdue.
    assert (ward["dossiers"], ward["finished"], ward["overdue_open"]) == (10, 0, 10)
    assert ward["name"] == organisation(WARD).name
    assert police["dossiers"] is None


def test_consent_and_transcript_activity_is_for_the_province_only(
    shop, organisation, clock
):
    _ward_march(shop, clock)
    province = stats(shop, **MARCH)["activity"]
    assert set(province) == {
        "requests",
        "approvals",
        "revocations",
        "emergency_accesses",
        "transcripts_issued",
    }
    # Nothing of the kind happened in March 2025: zero is shown, not hidden.
    assert set(province.values()) == {0}
    one_agency = stats(shop, **MARCH, agency_id=str(organisation(WARD).id))
    assert set(one_agency["activity"].values()) == {None}


@pytest.mark.parametrize("interval", ["hour", "", "DAY"])
def test_an_unknown_interval_is_refused(shop, interval):
    response = shop.client.get(
        "/api/v1/stats", query_string={"interval": interval}, headers=shop.analyst()
    )
    assert_problem(response, 422, "validation-failed")


def test_a_week_never_gives_away_a_day_the_daily_series_hides(shop, clock):
    """A week protected on its own would show 11 here: less the days shown (5),
    the hidden days (the lone Wednesday and its cover) would be 6, and less the
    cover, the one dossier of Wednesday. Weeks add up only the days shown."""
    for day in (date(2025, 3, 10), date(2025, 3, 11)):
        for _ in range(5):
            at_ward(shop, clock, [2], day=day)
    at_ward(shop, clock, [2], day=date(2025, 3, 12))
    days = {
        p["start"]: p["dossiers"]
        for p in stats(shop, **MARCH, interval="day")["series"]
    }
    shown = [days[d] for d in ("2025-03-10", "2025-03-11", "2025-03-12")]
    assert sorted(shown, key=str) == [5, None, None]  # Wednesday, and one cover
    weeks = stats(shop, **MARCH, interval="week")
    week = {p["start"]: p["dossiers"] for p in weeks["series"]}["2025-03-10"]
    assert week == 5
    assert "series.2025-03-10" in weeks["partial"]
    month = stats(shop, **MARCH, interval="month")["series"]
    assert month == [{"start": "2025-03-01", "dossiers": 11}]  # the month's total


def test_the_dashboard_page_may_receive_a_login_and_nothing_near_it_may(client, app):
    challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    base = app.config["BASE_URL"]
    for redirect, status in (
        (f"{base}/ioc", 200),
        (f"{base}/ioc/x", 422),
        (f"{base}/iocx", 422),
    ):
        started = client.post(
            "/api/v1/auth/vneid/start",
            json={
                "redirect_uri": redirect,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert started.status_code == status, (redirect, started.get_json())
    page = client.get("/ioc?lang=en")
    assert page.status_code == 200
    assert "script-src 'nonce-" in page.headers["Content-Security-Policy"]
    assert "connect-src 'self'" in page.headers["Content-Security-Policy"]
    assert "Sign in with VNeID" in page.get_data(as_text=True)


def test_eight_lone_days_are_not_read_as_one_dossier_each(shop, organisation, clock):
    """Issue 16's attacker, exactly: a month of 8 dossiers on 8 days showed its
    total and hid the 8 days; the other days read 0, so each hidden day held one.
    Now no hidden day can be pinned under k, so the whole month's days hide."""
    for day in range(3, 11):
        at_ward(shop, clock, [2], day=date(2025, 3, day))
    ward = str(organisation(WARD).id)
    answer = stats(shop, **MARCH, agency_id=ward, interval="day")
    assert answer["dossiers"] == 8
    assert {point["dossiers"] for point in answer["series"]} == {None}


def test_consent_activity_counts_a_closed_month_and_hides_a_small_figure(shop, clock):
    """Five consents asked and granted in March are shown; one revoked is not."""
    from identity.models import Role
    from tests import factories
    from tests.service_requests.test_stats import nine

    clinic = factories.clinic()
    doctor = factories.staff(clinic, Role.DOCTOR)
    with clock.on(nine(date(2025, 3, 12))):
        people = [factories.citizen() for _ in range(5)]
        granted = [
            factories.consent(person, grantee=clinic, asked_by=doctor)
            for person in people
        ]
        revoked = shop.client.post(
            f"/api/v1/consents/{granted[0].id}/revoke",
            json={"reason": "Đã khám xong"},
            headers=shop._headers(people[0]),
        )
        assert revoked.status_code == 200, revoked.get_json()
    activity = stats(shop, **MARCH)["activity"]
    assert (activity["requests"], activity["approvals"]) == (5, 5)
    assert activity["revocations"] is None  # one, in a month: hidden
    april = stats(shop, **{"from": "2025-04-01", "to": "2025-04-30"})["activity"]
    assert april["requests"] == 0
