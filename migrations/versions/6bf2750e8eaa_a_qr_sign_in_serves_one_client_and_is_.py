"""a QR sign-in serves one client and is as old as the phone's login

Revision ID: 6bf2750e8eaa
Revises: ea6e1af80a66
Create Date: 2026-12-06 21:17:11.121287

A provider session made by a QR sign-in names the one client the phone approved;
sessions made before (password sign-ins) name none and serve every client, as they
did. A QR sign-in keeps the time of the approving login.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6bf2750e8eaa"
down_revision = "ea6e1af80a66"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("vneid_cross_device_logins", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approver_auth_time", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("vneid_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("client_id", sa.String(length=100), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("vneid_sessions", schema=None) as batch_op:
        batch_op.drop_column("client_id")

    with op.batch_alter_table("vneid_cross_device_logins", schema=None) as batch_op:
        batch_op.drop_column("approver_auth_time")
