"""The authorization matrix's consent cells: every health-book read, from the URL map.

Issue 11 asks the matrix to cover the cells its findings opened: versions a
consent's period excludes, sensitive versions, and the frequency limit against a
forged request id. A clinic holds a consent for every health category of An's,
from 2024, without sensitive records, once a day. Each read route of the health
book (found in the URL map, so a new one is covered) is called twice with the
same ``X-Request-ID``: the first answer carries nothing the consent excludes,
the second is refused by the frequency limit.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from consent.models import AccessEvent
from tests.consent.helpers import grant
from tests.demo_ids import AN
from tests.problems import assert_problem

BOOK = "/api/v1/citizens/<subject:subject>/health-book"
FORGED = {"X-Request-ID": "replay-me-1234567890"}
#: What the consent excludes, and must appear in no answer.
EXCLUDED = ("B20", "HIV", "F32", "2019-06-01", "2023-12-31")


def _read_routes(app) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(BOOK) and "GET" in rule.methods
    )


@pytest.fixture
def excluded_world(client, parties, citizen):
    """An's book with an excluded old version, a sensitive record and an old one."""
    an = citizen(AN)
    book = f"/api/v1/citizens/{an.id}/health-book"
    headers = parties.clinic()

    def write(path, body):
        response = client.post(book + path, json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    old = write(
        "/conditions",
        {"record_date": "2019-06-01", "icd10_code": "B20", "description": "HIV disease",
         "clinical_status": "active"},
    )  # fmt: skip
    current = write(
        f"/conditions/{old}/corrections",
        {"record_date": "2024-03-01", "icd10_code": "J06.9", "description": "Cảm",
         "clinical_status": "resolved", "correction_reason": "Chẩn đoán lại"},
    )  # fmt: skip
    write(
        "/conditions",
        {"record_date": "2025-02-01", "icd10_code": "F32.1", "description": "Trầm cảm",
         "clinical_status": "active"},
    )  # fmt: skip
    write(
        "/allergies",
        {"record_date": "2023-12-31", "substance": "Sulfa", "category": "medication",
         "criticality": "low", "reaction": "Ngứa"},
    )  # fmt: skip
    grant(
        client,
        parties,
        an.id,
        categories=["allergies", "conditions", "immunizations", "encounters",
                    "medications", "observations", "emergency_summary"],
        data_from="2024-01-01",
        access_mode="store",
        frequency_limit=1,
        frequency_unit="day",
    )  # fmt: skip
    return {"subject": an.id, "record": current}


def test_every_health_book_read_honours_period_sensitivity_and_frequency(
    app, client, parties, excluded_world
):
    routes = _read_routes(app)
    assert len(routes) >= 10  # the list, history and every composite view
    failures = []
    for route in routes:
        path = route.replace("<subject:subject>", str(excluded_world["subject"]))
        category = re.search(r"health-book/([a-z_]+)/<uuid:record_id>", route)
        if category and category.group(1) != "conditions":
            continue  # the conditions history is the one with an excluded version
        path = path.replace("<uuid:record_id>", str(excluded_world["record"]))
        first = client.get(path, headers=parties.clinic() | FORGED)
        text = first.get_data(as_text=True)
        leaked = [marker for marker in EXCLUDED if marker in text]
        if first.status_code != 200 or leaked:
            failures.append(f"{route}: {first.status_code} {leaked}")
        again = client.get(path, headers=parties.clinic() | FORGED)
        try:
            assert_problem(again, 429, "consent-frequency-exceeded")
        except AssertionError:
            failures.append(
                f"{route} again with the same request id: {again.status_code}"
            )
        # Move the uses two days back: the next route starts a new day of the limit.
        db.session.execute(
            sa.update(AccessEvent).values(at=utcnow() - timedelta(days=2))
        )
        db.session.commit()
    assert failures == [], "\n" + "\n".join(failures)
