"""The attack review of issue 12: a whole-year transcript signed while the year runs.

On 2026-12-06 a school signed and published Nam's 2026-2027 transcript (year
results, "lên lớp") three months into that year; from January the rule would even
have allowed the year starting next September. Each test performs that attack on
the same date; each one succeeded before.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.problems import assert_problem
from tests.school_records.helpers import draft_body, sign

ATTACK_DAY = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


@pytest.mark.usefixtures("binh_in_7a1")
def test_the_running_years_transcript_cannot_be_signed(client, school, citizen, clock):
    binh = citizen("074314000102")
    teacher = school.teacher()  # a fresh level-2 login, in real time
    clock.at(ATTACK_DAY)
    drafted = client.post(
        f"/api/v1/schools/{school.id}/transcripts",
        json=draft_body(binh.id, year="2026-2027", grade=7),
        headers=teacher,
    )
    assert drafted.status_code == 201, drafted.get_json()

    signed = sign(client, teacher, drafted.get_json()["id"])

    problem = assert_problem(signed, 409, "school-year-not-over")
    assert problem["signable_from"] == "2027-05-01"
    shown = client.get(
        f"/api/v1/transcripts/{drafted.get_json()['id']}", headers=teacher
    )
    assert shown.get_json()["status"] == "draft"


def test_a_year_is_signed_from_the_first_of_may_of_its_last_year():
    from school_records.models import results_known_from

    assert results_known_from("2026-2027").isoformat() == "2027-05-01"
    assert results_known_from("2027-2028").isoformat() == "2028-05-01"
