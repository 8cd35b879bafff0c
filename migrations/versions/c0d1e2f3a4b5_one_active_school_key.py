"""one active signing key per school and per teacher

Revision ID: c0d1e2f3a4b5
Revises: 98ccd88bbbef
Create Date: 2026-12-06 01:00:00

Before the indexes exist, any extra active key (only the newest of each school or
teacher was ever used to sign) is retired at the instant of its successor's
creation, so what it signed before still verifies.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0d1e2f3a4b5"
down_revision = "98ccd88bbbef"
branch_labels = None
depends_on = None

_SCHOOL = "holder_id IS NULL AND retired_at IS NULL"
_HOLDER = "holder_id IS NOT NULL AND retired_at IS NULL"


def upgrade():
    keys = sa.table(
        "school_keys",
        sa.column("id", sa.Uuid()),
        sa.column("school_id", sa.Uuid()),
        sa.column("holder_id", sa.Uuid()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("retired_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    newest = {}
    for row in connection.execute(
        sa.select(keys.c.id, keys.c.school_id, keys.c.holder_id, keys.c.created_at)
        .where(keys.c.retired_at.is_(None))
        .order_by(keys.c.created_at.desc())
    ):
        owner = (row.school_id, row.holder_id)
        if owner not in newest:
            newest[owner] = row.created_at
            continue
        connection.execute(
            keys.update()
            .where(keys.c.id == row.id)
            .values(retired_at=newest[owner])
        )
        newest[owner] = row.created_at
    with op.batch_alter_table("school_keys", schema=None) as batch_op:
        batch_op.create_index(
            "uq_school_keys_active_school",
            ["school_id"],
            unique=True,
            sqlite_where=sa.text(_SCHOOL),
            postgresql_where=sa.text(_SCHOOL),
        )
        batch_op.create_index(
            "uq_school_keys_active_holder",
            ["school_id", "holder_id"],
            unique=True,
            sqlite_where=sa.text(_HOLDER),
            postgresql_where=sa.text(_HOLDER),
        )


def downgrade():
    with op.batch_alter_table("school_keys", schema=None) as batch_op:
        batch_op.drop_index("uq_school_keys_active_holder")
        batch_op.drop_index("uq_school_keys_active_school")
