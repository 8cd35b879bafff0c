"""The citizen's own summary is built once per version of the book, and only theirs."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from consent.models import AccessEvent
from tests import factories
from tests.demo_ids import AN, BINH
from tests.health_book.helpers import book


def substances(client, parties, subject) -> list[str]:
    summary = client.get(book(subject, ""), headers=parties.as_citizen(AN))
    assert summary.status_code == 200
    return [
        a["substance"] for a in summary.get_json()["sections"]["allergies"]["items"]
    ]


def test_a_write_shows_in_the_next_read_of_ones_own_summary(client, parties, citizen):
    an = citizen(AN)
    before = substances(client, parties, an.id)
    assert substances(client, parties, an.id) == before  # served again, unchanged

    written = client.post(
        book(an.id, "/allergies"),
        json=factories.RECORDS["allergies"] | {"substance": "Aspirin"},
        headers=parties.clinic(),
    )
    assert written.status_code == 201
    assert "Aspirin" in substances(client, parties, an.id)

    hidden = client.post(
        book(an.id, f"/allergies/{written.get_json()['id']}/hide"),
        headers=parties.as_citizen(AN),
    )
    assert hidden.status_code == 200
    items = client.get(book(an.id, ""), headers=parties.as_citizen(AN)).get_json()
    aspirin = next(
        a
        for a in items["sections"]["allergies"]["items"]
        if a["substance"] == "Aspirin"
    )
    assert aspirin["hidden"] is True


def test_a_guardians_read_is_never_served_from_the_citizens_own(
    client, parties, citizen
):
    """Bình's summary read by An (her guardian) is logged each time, as any read
    by someone else is."""
    binh = citizen(BINH)
    logged = sa.select(sa.func.count()).where(AccessEvent.subject_id == binh.id)
    before = db.session.scalar(logged)
    for _ in range(2):
        assert (
            client.get(book(binh.id, ""), headers=parties.as_citizen(AN)).status_code
            == 200
        )
    assert db.session.scalar(logged) > before
    after_first_two = db.session.scalar(logged)
    client.get(book(binh.id, ""), headers=parties.as_citizen(AN))
    assert db.session.scalar(logged) > after_first_two
