"""statistics of closed months are kept

Revision ID: 26fa6acdc4d2
Revises: 433e1afd47ce
Create Date: 2026-12-06 09:58:00

Each agency's closed month, as it stood at its close, is counted once and kept
(``service_requests/stats_rollup.py``); the statistics read the kept units instead
of scanning every dossier. Counting one month finds its dossiers and ratings by
the new indexes on when they were filed and given. Nothing is counted here: the
first request that needs a month counts it.
"""

import sqlalchemy as sa
from alembic import op

revision = "26fa6acdc4d2"
down_revision = "433e1afd47ce"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stats_counted_months",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", "month", name=op.f("pk_stats_counted_months")),
    )
    op.create_table(
        "stats_month_units",
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("counted", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["organisations.id"],
            name=op.f("fk_stats_month_units_agency_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "agency_id", "year", "month", name=op.f("pk_stats_month_units")
        ),
    )
    with op.batch_alter_table("dossier_ratings", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_ratings_created_at", ["created_at"])
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index("ix_dossiers_submitted_at", ["submitted_at"])


def downgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossiers_submitted_at")
    with op.batch_alter_table("dossier_ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_ratings_created_at")
    op.drop_table("stats_month_units")
    op.drop_table("stats_counted_months")
