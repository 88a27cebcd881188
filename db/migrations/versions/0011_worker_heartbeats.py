"""one heartbeat row per ingest worker, with its queue depth and write latency

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-22 05:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot widen a column in place (the table is rebuilt)
    with op.batch_alter_table("service_status") as batch:
        batch.alter_column(
            "name",
            existing_type=sa.String(40),
            type_=sa.String(100),
            existing_nullable=False,
        )
        batch.add_column(sa.Column("host", sa.String(100), nullable=True))
        batch.add_column(
            sa.Column("state_since", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("queue_depth", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("write_ms", sa.Float(), nullable=True))
        batch.add_column(sa.Column("db_errors", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_status") as batch:
        for column in ("db_errors", "write_ms", "queue_depth", "state_since", "host"):
            batch.drop_column(column)
        batch.alter_column(
            "name",
            existing_type=sa.String(100),
            type_=sa.String(40),
            existing_nullable=False,
        )
