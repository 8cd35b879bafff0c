"""open311 locations and api keys

Revision ID: 8d52e3fa1b04
Revises: 7c41d2e9a0b3
Create Date: 2026-12-06 12:00:00

A dossier keeps the location an Open311 client gave (coordinates, an address, or an
address id); applications that file over Open311 are registered by an api_key, of
which only a SHA-256 digest is stored.
"""

import sqlalchemy as sa
from alembic import op

revision = "8d52e3fa1b04"
down_revision = "7c41d2e9a0b3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("latitude", sa.Float()))
        batch.add_column(sa.Column("longitude", sa.Float()))
        batch.add_column(sa.Column("address", sa.String(length=500)))
        batch.add_column(sa.Column("address_id", sa.String(length=100)))
    op.create_table(
        "open311_applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_applications")),
        sa.UniqueConstraint(
            "key_digest", name=op.f("uq_open311_applications_key_digest")
        ),
    )


def downgrade():
    op.drop_table("open311_applications")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("address_id")
        batch.drop_column("address")
        batch.drop_column("longitude")
        batch.drop_column("latitude")
