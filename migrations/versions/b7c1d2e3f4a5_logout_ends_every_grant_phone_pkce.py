"""logout ends every grant of a login; the phone holds its own PKCE verifier

Back-channel logout registration of clients, the provider session of each token
(indexed: logout revokes by it), the provider session and ID token of each API
token family, logout token jtis already used, and the phone's PKCE challenge in
place of a verifier kept by the API.

Revision ID: b7c1d2e3f4a5
Revises: 5eb3c79b35c5
Create Date: 2026-12-04 23:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7c1d2e3f4a5"
down_revision = "5eb3c79b35c5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("backchannel_logout_uri", sa.String(length=500), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "backchannel_logout_session_required",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.alter_column(
            "backchannel_logout_session_required", server_default=None
        )

    with op.batch_alter_table("vneid_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vneid_tokens_session_id"), ["session_id"], unique=False
        )

    with op.batch_alter_table("token_families", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("provider_sid", sa.String(length=255), nullable=True)
        )
        batch_op.add_column(sa.Column("provider_id_token", sa.Text(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_token_families_provider_sid"), ["provider_sid"], unique=False
        )

    op.create_table(
        "logout_token_uses",
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "jti", name=op.f("pk_logout_token_uses")),
    )
    with op.batch_alter_table("logout_token_uses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_logout_token_uses_expires_at"), ["expires_at"], unique=False
        )

    # Pending logins (ten minutes at most) were started by phones that never held
    # their verifier: they cannot be finished under the new contract.
    op.execute(sa.text("DELETE FROM login_states"))
    with op.batch_alter_table("login_states", schema=None) as batch_op:
        batch_op.drop_column("code_verifier")
        batch_op.add_column(
            sa.Column("code_challenge", sa.String(length=128), nullable=False)
        )


def downgrade():
    op.execute(sa.text("DELETE FROM login_states"))
    with op.batch_alter_table("login_states", schema=None) as batch_op:
        batch_op.drop_column("code_challenge")
        batch_op.add_column(
            sa.Column("code_verifier", sa.String(length=128), nullable=False)
        )

    with op.batch_alter_table("logout_token_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_logout_token_uses_expires_at"))
    op.drop_table("logout_token_uses")

    with op.batch_alter_table("token_families", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_token_families_provider_sid"))
        batch_op.drop_column("provider_id_token")
        batch_op.drop_column("provider_sid")

    with op.batch_alter_table("vneid_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vneid_tokens_session_id"))

    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.drop_column("backchannel_logout_session_required")
        batch_op.drop_column("backchannel_logout_uri")
