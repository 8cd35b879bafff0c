"""consent requests may name no one: an unmatched national id is answered like a match

Revision ID: 9f1e2d3c4b5a
Revises: c4d5e6f7a8b9
Create Date: 2026-12-04 23:55:00

"""

import sqlalchemy as sa
from alembic import op

revision = "9f1e2d3c4b5a"
down_revision = "c4d5e6f7a8b9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consent_requests", schema=None) as batch_op:
        batch_op.alter_column("subject_id", existing_type=sa.Uuid(), nullable=True)


def downgrade():
    op.execute("DELETE FROM consent_requests WHERE subject_id IS NULL")
    with op.batch_alter_table("consent_requests", schema=None) as batch_op:
        batch_op.alter_column("subject_id", existing_type=sa.Uuid(), nullable=False)
