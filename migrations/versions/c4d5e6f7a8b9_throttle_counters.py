"""throttle counters: per (account, address), account and address failure counts

Revision ID: c4d5e6f7a8b9
Revises: b7c1d2e3f4a5
Create Date: 2026-12-04 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d5e6f7a8b9'
down_revision = 'b7c1d2e3f4a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('throttle_counters',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure', sa.Float(), nullable=False),
    sa.Column('expires', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle_counters'))
    )
    with op.batch_alter_table('throttle_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_counters_expires'), ['expires'], unique=False)


def downgrade():
    with op.batch_alter_table('throttle_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_counters_expires'))
    op.drop_table('throttle_counters')
