"""poll bookmarks named after their stream (poll:<source>.<entity>) instead of the poll's resource

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# old name → the stream's cursor name (Stream.cursor_name)
RENAMED = {
    "poll:economic-orders": "poll:economic.order",
    "poll:economic-customers": "poll:economic.customer",
    "poll:economic-products": "poll:economic.product",
    "poll:eaccounting-orders": "poll:eaccounting.order",
    "poll:eaccounting-customers": "poll:eaccounting.customer",
    "poll:eaccounting-articles": "poll:eaccounting.product",
}

cursors = sa.table("cursors", sa.column("name", sa.String()))


def _rename(names: dict[str, str]) -> None:
    bind = op.get_bind()
    for old, new in names.items():
        bind.execute(cursors.update().where(cursors.c.name == old).values(name=new))


def upgrade() -> None:
    _rename(RENAMED)


def downgrade() -> None:
    _rename({new: old for old, new in RENAMED.items()})
