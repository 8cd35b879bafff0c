"""The worker draws a published transcript's PDF and signs each changed status list
ahead of time; requests serve what it made while it is current."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.rendered import RenderedDocument
from app.unit_of_work import transaction
from school_records import rendering
from school_records.models import StatusList, StatusPurpose
from tests.demo_ids import BINH
from tests.school_records.helpers import demo_transcript


def kept(kind: str, key: object) -> RenderedDocument | None:
    return db.session.scalar(
        sa.select(RenderedDocument)
        .where(RenderedDocument.kind == kind, RenderedDocument.key == str(key))
        .execution_options(populate_existing=True)
    )


def test_a_published_transcript_pdf_is_served_as_the_worker_drew_it(
    app, client, citizen, auth_headers
) -> None:
    transcript = demo_transcript(citizen)
    with app.test_request_context(), transaction():
        rendering.after_publication(transcript)  # what publishing it does
    drawn = kept(rendering.TRANSCRIPT_PDF, transcript.id)
    assert drawn is not None
    assert drawn.version == rendering.pdf_version(transcript)
    assert drawn.content.startswith(b"%PDF")
    headers = auth_headers(citizen(BINH))

    served = client.get(f"/api/v1/transcripts/{transcript.id}/pdf", headers=headers)
    assert served.data == drawn.content

    # What is served is what was kept (not drawn again) ...
    drawn.content = b"%PDF-1.7 kept"
    db.session.flush()
    assert client.get(
        f"/api/v1/transcripts/{transcript.id}/pdf", headers=headers
    ).data == (b"%PDF-1.7 kept")
    # ... while it is of the current version: another is drawn afresh.
    drawn.version = "an older rendering"
    db.session.flush()
    fresh = client.get(f"/api/v1/transcripts/{transcript.id}/pdf", headers=headers)
    assert fresh.data.startswith(b"%PDF")
    assert fresh.data != b"%PDF-1.7 kept"


def test_a_revocation_has_the_status_list_signed_again_and_served_as_signed(
    client, citizen, school
) -> None:
    transcript = demo_transcript(citizen)
    revoked = client.post(
        f"/api/v1/transcripts/{transcript.id}/revoke",
        json={"reason": "Cấp nhầm"},
        headers=school.principal(),
    )
    assert revoked.status_code == 200, revoked.get_json()
    status_list = db.session.scalar(
        sa.select(StatusList)
        .where(
            StatusList.school_id == transcript.school_id,
            StatusList.purpose == StatusPurpose.REVOCATION,
        )
        .execution_options(populate_existing=True)
    )
    signed = kept(rendering.STATUS_LIST, status_list.id)
    assert signed is not None
    assert signed.version == rendering.list_version(status_list)

    served = client.get(f"/api/v1/status-lists/{status_list.id}")
    assert served.status_code == 200
    assert served.data == signed.content


@pytest.fixture(autouse=True)
def _a_worker_draws_ahead(app, monkeypatch: pytest.MonkeyPatch) -> None:
    """As with a broker and its worker (embedded, nothing is drawn ahead)."""
    monkeypatch.setitem(app.config, "RENDER_AHEAD", True)


def test_without_a_worker_nothing_is_drawn_ahead(
    app, client, citizen, school, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "RENDER_AHEAD", None)  # embedded: no broker
    transcript = demo_transcript(citizen)
    client.post(
        f"/api/v1/transcripts/{transcript.id}/revoke",
        json={"reason": "Cấp nhầm"},
        headers=school.principal(),
    )
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(RenderedDocument)) == 0
    )
