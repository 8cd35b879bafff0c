"""Documents rendered ahead of time by a job, served as they were rendered.

Signing a status list or drawing a PDF costs more than the rest of a request, and
the answer only changes when what it is drawn from changes. So a domain's job
renders it once, after the change that makes it new, and keeps it here under the
*version* of its inputs (a digest the domain computes); a request serves the kept
document when its version is the current one, and renders it itself otherwise
(before the job has run, or with an older worker). Every instance serves the
same bytes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, insert_for, utcnow
from app.extensions import db
from app.unit_of_work import begin_writing


class RenderedDocument(Base):
    """One kept rendering: a transcript's PDF, a receipt, a signed status list."""

    __tablename__ = "rendered_documents"

    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: A digest of what it was rendered from: another version is not served.
    version: Mapped[str] = mapped_column(sa.String(128))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(default=utcnow)


def ahead() -> bool:
    """Whether documents are drawn ahead: only when a worker does it. Without a
    broker the serving process would draw them itself right after the commit,
    making the change's request slower to save its reader nothing
    (``RENDER_AHEAD`` decides otherwise when set)."""
    configured = current_app.config.get("RENDER_AHEAD")
    if configured is not None:
        return bool(configured)
    return bool(current_app.config.get("JOBS_BROKER_URL"))


def stored(kind: str, key: str, version: str) -> bytes | None:
    """The kept rendering of ``kind``/``key`` if it is of ``version``."""
    content = db.session.scalar(
        sa.select(RenderedDocument.content).where(
            RenderedDocument.kind == kind,
            RenderedDocument.key == key,
            RenderedDocument.version == version,
        )
    )
    return bytes(content) if content is not None else None


def keep(kind: str, key: str, version: str, content: bytes) -> None:
    """Keep ``content`` as the rendering of ``kind``/``key`` at ``version``."""
    # Drawn after a read, perhaps at length: in line for SQLite's lock only now.
    begin_writing()
    insert = insert_for(db.engine.dialect.name)(RenderedDocument).values(
        kind=kind, key=key, version=version, content=content, rendered_at=utcnow()
    )
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={
                "version": insert.excluded.version,
                "content": insert.excluded.content,
                "rendered_at": insert.excluded.rendered_at,
            },
        )
    )
