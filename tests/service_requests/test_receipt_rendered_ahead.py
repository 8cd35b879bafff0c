"""A received dossier's slip is drawn by the worker and served as drawn."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import registered
from app.rendered import RenderedDocument
from service_requests import rendering


def test_the_receipt_of_a_received_dossier_is_drawn_ahead_and_served_as_drawn(
    shop,
) -> None:
    dossier = shop.submit()["id"]
    shop.move(dossier, 2)
    drawn = db.session.scalar(
        sa.select(RenderedDocument).where(
            RenderedDocument.kind == rendering.RECEIPT, RenderedDocument.key == dossier
        )
    )
    assert drawn is not None
    assert drawn.content.startswith(b"%PDF")
    drawn.content = b"%PDF-1.7 kept"
    db.session.flush()

    slip = shop.client.get(
        f"/api/v1/dossiers/{dossier}/receipt", headers=shop.as_citizen()
    )
    assert slip.status_code == 200
    assert slip.data == b"%PDF-1.7 kept"


def test_published_months_are_counted_daily_by_the_worker(app) -> None:
    assert registered(app)["service_requests.count_stats"].every == timedelta(days=1)


@pytest.fixture(autouse=True)
def _a_worker_draws_ahead(app, monkeypatch: pytest.MonkeyPatch) -> None:
    """As with a broker and its worker (embedded, nothing is drawn ahead)."""
    monkeypatch.setitem(app.config, "RENDER_AHEAD", True)
