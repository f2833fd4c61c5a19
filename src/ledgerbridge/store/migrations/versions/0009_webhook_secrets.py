"""webhook secrets leave the cursors table: a webhook_secrets table, existing secrets moved over

Revision ID: 0009
Revises: 0008
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PREFIX = "webhooks:"

cursors = sa.table(
    "cursors",
    sa.column("id", sa.Integer()),
    sa.column("integration_id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("value", sa.JSON()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
secrets = sa.table(
    "webhook_secrets",
    sa.column("integration_id", sa.Integer()),
    sa.column("source", sa.String()),
    sa.column("sealed", sa.Text()),
    sa.column("url", sa.Text()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "webhook_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("integration_id", "source", name="uq_webhook_secret_source"),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(cursors).where(cursors.c.name.like(f"{PREFIX}%"))).all()
    moved: list[dict[str, Any]] = [
        {
            "integration_id": row.integration_id,
            "source": row.name.removeprefix(PREFIX),
            "sealed": (row.value or {})["sealed"],
            "url": (row.value or {}).get("url"),
            "created_at": row.updated_at,
            "updated_at": row.updated_at,
        }
        for row in rows
        if (row.value or {}).get("sealed")
    ]
    if moved:
        bind.execute(secrets.insert(), moved)
    bind.execute(cursors.delete().where(cursors.c.name.like(f"{PREFIX}%")))


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(secrets)).all()
    back = [
        {
            "integration_id": row.integration_id,
            "name": f"{PREFIX}{row.source}",
            "value": {"sealed": row.sealed, **({"url": row.url} if row.url is not None else {})},
            "updated_at": row.updated_at,
        }
        for row in rows
    ]
    if back:
        bind.execute(cursors.insert(), back)
    op.drop_table("webhook_secrets")
