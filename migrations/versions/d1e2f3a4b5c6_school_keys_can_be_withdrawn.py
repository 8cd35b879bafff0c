"""school keys can be withdrawn from an instant on

Revision ID: d1e2f3a4b5c6
Revises: c0d1e2f3a4b5
Create Date: 2026-12-07 09:00:00

A compromised key is withdrawn (``flask schools withdraw-key``): what it signed
from ``withdrawn_since`` on fails verification. A withdrawn key is retired too, so
it signs nothing again; the check constraint holds that.
"""

import sqlalchemy as sa
from alembic import op

revision = "d1e2f3a4b5c6"
down_revision = "c0d1e2f3a4b5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("school_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("withdrawn_since", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_check_constraint(
            op.f("ck_school_keys_withdrawn_is_retired"),
            "withdrawn_since IS NULL OR retired_at IS NOT NULL",
        )


def downgrade():
    with op.batch_alter_table("school_keys", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_school_keys_withdrawn_is_retired"), type_="check"
        )
        batch_op.drop_column("withdrawn_since")
