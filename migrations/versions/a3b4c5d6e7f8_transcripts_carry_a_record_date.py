"""transcripts carry a record date, so consent periods apply to them

Revision ID: a3b4c5d6e7f8
Revises: 9f1e2d3c4b5a
Create Date: 2026-12-05 00:20:00

"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "a3b4c5d6e7f8"
down_revision = "9f1e2d3c4b5a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_date", sa.Date(), nullable=True))
    transcripts = sa.table(
        "transcripts",
        sa.column("id", sa.Uuid()),
        sa.column("school_year", sa.String()),
        sa.column("record_date", sa.Date()),
    )
    connection = op.get_bind()
    for row in connection.execute(
        sa.select(transcripts.c.id, transcripts.c.school_year)
    ):
        connection.execute(
            transcripts.update()
            .where(transcripts.c.id == row.id)
            .values(record_date=date(int(row.school_year[-4:]), 5, 31))
        )
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.alter_column("record_date", existing_type=sa.Date(), nullable=False)


def downgrade():
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.drop_column("record_date")
