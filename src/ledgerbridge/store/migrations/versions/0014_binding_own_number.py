"""bindings: the number a side gave a record itself where it is bound under another key (Rackbeat's order
number of an order brought over from a ledger), stored when our write's answer carries it; empty on
bindings from before (the console reads those live once and fills them in)

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bindings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("own_number", sa.String(length=50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bindings", schema=None) as batch_op:
        batch_op.drop_column("own_number")
