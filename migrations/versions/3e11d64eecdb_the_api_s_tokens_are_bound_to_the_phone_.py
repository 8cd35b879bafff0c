"""the API's tokens are bound to the phone's key (DPoP)

Revision ID: 3e11d64eecdb
Revises: 6bf2750e8eaa
Create Date: 2026-12-06 21:30:25.360010

Logins made before are not bound: their tokens keep working only where
API_BEARER_TOKENS_ALLOWED lets bearer tokens in; elsewhere their holders log in
again, with a key.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "3e11d64eecdb"
down_revision = "6bf2750e8eaa"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("token_families", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dpop_jkt", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("token_families", schema=None) as batch_op:
        batch_op.drop_column("dpop_jkt")
