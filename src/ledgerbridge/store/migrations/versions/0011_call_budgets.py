"""call_budgets: the token buckets cluster workers share per system and credential (used on PostgreSQL;
the table exists unused on SQLite)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_budgets",
        sa.Column("system", sa.String(50), primary_key=True),
        sa.Column("credential", sa.String(64), primary_key=True),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("call_budgets")
