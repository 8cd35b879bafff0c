"""health book versions

Revision ID: 433e1afd47ce
Revises: d1e2f3a4b5c6
Create Date: 2026-12-06 09:15:27

A token per citizen that every write to their health book changes
(``health_book/book_versions.py``): the citizen's own summary is served again
while it is unchanged. Citizens with records and no token yet read as "" until
their next write, which is right: nothing was cached before this table existed.
"""

import sqlalchemy as sa
from alembic import op

revision = "433e1afd47ce"
down_revision = "d1e2f3a4b5c6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "health_book_versions",
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_health_book_versions_citizen_id_citizens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("citizen_id", name=op.f("pk_health_book_versions")),
    )


def downgrade():
    op.drop_table("health_book_versions")
