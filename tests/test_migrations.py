"""Migrations from empty build exactly the schema the models describe."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from tests.conftest import make_app


def test_autogenerate_finds_no_difference_after_upgrade(app):
    """The session's database was built by ``flask db upgrade`` from empty."""
    context = MigrationContext.configure(
        db.session.connection(),
        opts={"compare_type": True, "render_as_batch": True},
    )
    assert compare_metadata(context, db.metadata) == []


@pytest.mark.slow  # runs every migration down and up again
@pytest.mark.real_sessions
def test_downgrade_to_empty_and_upgrade_again(scratch_database_url):
    scratch = make_app(scratch_database_url)
    with scratch.app_context():
        flask_migrate.upgrade()
        assert "citizens" in sa.inspect(db.engine).get_table_names()
        flask_migrate.downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True}
            )
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()
