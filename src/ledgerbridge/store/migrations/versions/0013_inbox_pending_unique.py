"""webhook_inbox: at most one pending item per (integration, event, record): a unique partial index, so
deliveries stored at the same time by several receivers collapse in the database (INSERT … ON CONFLICT)

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    # Repeats that raced past each other before (two receivers) become one: the oldest pending item takes
    # the others' deliveries; the others are settled done, naming it.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, integration_id, event, record_key, deliveries FROM webhook_inbox"
            " WHERE state = 'pending' ORDER BY id"
        )
    ).all()
    kept: dict[tuple[int, str, str], int] = {}
    for item_id, integration_id, event, record_key, deliveries in rows:
        key = (integration_id, event, record_key)
        if key not in kept:
            kept[key] = item_id
            continue
        bind.execute(
            sa.text("UPDATE webhook_inbox SET deliveries = deliveries + :more WHERE id = :id"),
            {"more": deliveries, "id": kept[key]},
        )
        bind.execute(
            sa.text("UPDATE webhook_inbox SET state = 'done', error = :why WHERE id = :id"),
            {"why": f"collapsed into #{kept[key]}", "id": item_id},
        )
    op.create_index(
        "uq_webhook_inbox_pending",
        "webhook_inbox",
        ["integration_id", "event", "record_key"],
        unique=True,
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("uq_webhook_inbox_pending", table_name="webhook_inbox")
