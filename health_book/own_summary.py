"""The citizen's own health-book summary, built once for each version of the book.

Reading one's own book is the commonest request of the app and the dearest of its
reads (a query and a dump for each of seven categories). A citizen reading their own
book is not logged (nobody else read it), and what they see depends only on the
book, so the summary is kept as the JSON it was sent as, keyed by the book's token
(:mod:`health_book.book_versions`), which every write to the book changes in the
same transaction. Every request still reads the token: a write in any worker is
seen by the next read. Readers other than the citizen are never served from here.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

from flask import Response

from app.auth import Actor
from app.public_cache import json_bytes
from health_book import book_versions, schemas, views
from identity.models import Citizen

#: Summaries kept per process (a few kilobytes each), the least recently read go first.
MAX_KEPT = 4096

_kept: OrderedDict[uuid.UUID, tuple[str, bytes]] = OrderedDict()
_lock = threading.Lock()
_SCHEMA = schemas.SummarySchema()


def is_own(actor: Actor, subject: Citizen) -> bool:
    """Tell whether the citizen reads their own book, for no organisation."""
    return actor.org_id is None and actor.citizen_id == subject.id


def own_summary(actor: Actor, subject: Citizen) -> Response:
    """The summary of the caller's own book, as JSON (built anew once the book changed)."""
    token = book_versions.current(subject.id)
    with _lock:
        kept = _kept.get(subject.id)
        if kept is not None and kept[0] == token:
            _kept.move_to_end(subject.id)
            return _json(kept[1])
    data = json_bytes(_SCHEMA.dump(views.summary(actor, subject)))
    with _lock:
        _kept[subject.id] = (token, data)
        _kept.move_to_end(subject.id)
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return _json(data)


def _json(data: bytes) -> Response:
    return Response(data, mimetype="application/json")
