"""Alembic environment, run through Flask-Migrate (``flask db …``)."""

from __future__ import annotations

import logging
from logging.config import fileConfig
from typing import Any

from alembic import context
from flask import current_app

from app.db import UTCDateTime

config = context.config
if config.config_file_name is not None:
    # Keep the application's loggers: tests run migrations in-process.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
engine = migrate_ext.db.engine
target_metadata = migrate_ext.db.metadata
config.set_main_option(
    "sqlalchemy.url",
    engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our UTC timestamp type as the plain SQLAlchemy type it stores as."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _skip_empty_autogenerate(ctx: Any, revision: Any, directives: list[Any]) -> None:
    if (
        getattr(config.cmd_opts, "autogenerate", False)
        and directives[0].upgrade_ops.is_empty()
    ):
        directives[:] = []
        log.info("No changes in schema detected.")


def run_migrations_offline() -> None:
    """Emit SQL for the migrations without a database connection."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations against the application's database."""
    options = dict(migrate_ext.configure_args)
    options.setdefault("process_revision_directives", _skip_empty_autogenerate)
    options.setdefault("render_item", render_item)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, **options
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
