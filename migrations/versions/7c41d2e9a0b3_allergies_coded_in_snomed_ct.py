"""allergies coded in SNOMED CT

Revision ID: 7c41d2e9a0b3
Revises: 26fa6acdc4d2
Create Date: 2026-12-06 11:50:00

The substance and the reaction of an allergy may carry a SNOMED CT concept, so
the IPS export codes them as the IPS value sets ask. Existing allergies keep
their text and have no code, which the export says by sending the text alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "7c41d2e9a0b3"
down_revision = "26fa6acdc4d2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("allergies") as batch:
        batch.add_column(sa.Column("substance_code", sa.String(length=18)))
        batch.add_column(sa.Column("reaction_code", sa.String(length=18)))


def downgrade():
    with op.batch_alter_table("allergies") as batch:
        batch.drop_column("reaction_code")
        batch.drop_column("substance_code")
