"""statistics count the days of a month and its activity, for the operations centre

Revision ID: 9e63f4ab2c15
Revises: 8d52e3fa1b04
Create Date: 2026-12-06 18:00:00

A kept month now holds how many dossiers were filed on each of its days, and the
province's consent and transcript activity in it. The months kept before lack
them: they are forgotten here and counted again on the next read (or by
``flask count-stats``). Counting reads only the append-only
history as it stood at each month's close, so every figure they showed is counted
the same again.
"""

import sqlalchemy as sa
from alembic import op

revision = "9e63f4ab2c15"
down_revision = "8d52e3fa1b04"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM stats_month_units")
    op.execute("DELETE FROM stats_counted_months")
    with op.batch_alter_table("stats_counted_months") as batch:
        batch.add_column(
            sa.Column("activity", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade():
    # The recounted units carry one key more (days); older code ignores it.
    with op.batch_alter_table("stats_counted_months") as batch:
        batch.drop_column("activity")
