"""The floors the benchmark measures each endpoint against (bench only, never served).

A ratio to ``/livez`` alone would be unfair to a request that must touch the
database and dishonest about one that must write: a consent-gated read durably logs
an access event, a write commits. So each class of endpoint has a floor doing the
same physical work with nothing else — no ORM mapping, no schema, no policy — in
the application's own unit of work and connection pool, side by side in the same
run:

* read floor: fetch one citizen row by primary key;
* logged-read floor: the same, then insert one row like an access event and commit;
* write floor: insert one such row and commit.

``bench/wsgi.py`` mounts these views beside the product; ``make run`` never does.
The unit of work commits them as it commits every request, and on SQLite their
writes queue for the one writer as a writing request's do.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort

from app.db import utcnow
from app.extensions import db
from app.unit_of_work import begin_writing
from identity.models import Citizen

blueprint = Blueprint("bench_floors", __name__, url_prefix="/_bench")

#: A row about the size of an access event: who, whose, what, when.
FLOOR_ROWS = sa.Table(
    "bench_floor_rows",
    sa.MetaData(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("citizen_id", sa.Uuid, nullable=False),
    sa.Column("actor_id", sa.Uuid, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
_CITIZENS = Citizen.__table__
_READ = sa.select(_CITIZENS.c.id, _CITIZENS.c.national_id, _CITIZENS.c.full_name)


def _read(citizen_id: uuid.UUID) -> Response:
    row = db.session.execute(_READ.where(_CITIZENS.c.id == citizen_id)).first()
    if row is None:
        abort(404)
    return Response(
        f'{{"id": "{row.id}", "national_id": "{row.national_id}"}}',
        mimetype="application/json",
    )


def _insert(citizen_id: uuid.UUID) -> None:
    db.session.execute(
        FLOOR_ROWS.insert().values(
            id=uuid.uuid4(),
            citizen_id=citizen_id,
            actor_id=citizen_id,
            kind="bench",
            at=utcnow(),
        )
    )


@blueprint.get("/read/<uuid:citizen_id>")
def read_floor(citizen_id: uuid.UUID) -> Response:
    """One row by primary key."""
    return _read(citizen_id)


@blueprint.get("/logged-read/<uuid:citizen_id>")
def logged_read_floor(citizen_id: uuid.UUID) -> Response:
    """One row by primary key and one logged row, in one committed transaction."""
    begin_writing()  # on SQLite: the write lock first, as a logged read needs it
    answer = _read(citizen_id)
    _insert(citizen_id)
    return answer


@blueprint.post("/write/<uuid:citizen_id>")
def write_floor(citizen_id: uuid.UUID) -> Response:
    """One row inserted and committed."""
    _insert(citizen_id)
    return Response('{"written": true}', status=201, mimetype="application/json")


def create_table() -> None:
    """Make the floors' table (bench databases only; before serving)."""
    FLOOR_ROWS.create(db.engine, checkfirst=True)


def install(app: Flask) -> None:
    """Mount the floors on ``app``."""
    app.register_blueprint(blueprint)
