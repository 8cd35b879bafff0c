"""dossiers keep the on-time verdict given when processing ended

Revision ID: b8c9d0e1f2a3
Revises: a3b4c5d6e7f8
Create Date: 2026-12-06 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b8c9d0e1f2a3"
down_revision = "a3b4c5d6e7f8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_time", sa.Boolean(), nullable=True))
    dossiers = sa.table(
        "dossiers",
        sa.column("finished_at", sa.DateTime(timezone=True)),
        sa.column("target_due_at", sa.DateTime(timezone=True)),
        sa.column("supplement_requests", sa.SmallInteger()),
        sa.column("on_time", sa.Boolean()),
    )
    # Dossiers finished before this revision: the rule of
    # service_requests.deadlines.is_on_time as it stands here, applied once.
    op.execute(
        dossiers.update()
        .where(dossiers.c.finished_at.is_not(None))
        .values(
            on_time=sa.case(
                (
                    sa.and_(
                        dossiers.c.finished_at <= dossiers.c.target_due_at,
                        dossiers.c.supplement_requests <= 1,
                    ),
                    sa.true(),
                ),
                else_=sa.false(),
            )
        )
    )


def downgrade():
    # Never rebuild dossiers on SQLite: dropping the old copy would cascade into
    # the append-only history. SQLite 3.35+ drops a plain column in place.
    with op.batch_alter_table("dossiers", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("on_time")
