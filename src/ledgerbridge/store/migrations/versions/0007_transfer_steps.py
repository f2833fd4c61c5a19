"""transfer steps: the follow-up steps of a transfer (mark as sent, write-backs, conversions)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 03:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("result", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("transfer_id", "name", name="uq_transfer_step"),
    )
    with op.batch_alter_table("transfer_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_steps_transfer_id"), ["transfer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transfer_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_steps_transfer_id"))
    op.drop_table("transfer_steps")
