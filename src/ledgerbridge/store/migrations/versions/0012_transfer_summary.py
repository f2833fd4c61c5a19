"""transfers: what a bookkeeper recognises a document by — its customer or supplier, gross amount and
currency (empty on rows from before)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counterparty", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True))
        batch_op.add_column(sa.Column("currency", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_column("currency")
        batch_op.drop_column("amount")
        batch_op.drop_column("counterparty")
