"""security: console sessions ended server-side, API token scopes

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_sessions_expires_at"), ["expires_at"], unique=False)
    with op.batch_alter_table("console_api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access", sa.String(length=10), nullable=False, server_default="write"))
        batch_op.add_column(sa.Column("integration", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("console_api_tokens", schema=None) as batch_op:
        batch_op.drop_column("integration")
        batch_op.drop_column("access")
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_sessions_expires_at"))
    op.drop_table("console_sessions")
