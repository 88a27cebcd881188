"""drop raw_reports: incident reports are stored as incidents, nothing writes it

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-22 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("raw_reports")


def downgrade() -> None:
    # The table comes back empty: its rows were never read by anything.
    op.create_table(
        "raw_reports",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(300), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
    )
