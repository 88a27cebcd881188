"""overflow predictions log

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 03:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "overflow_predictions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True),
        sa.Column("bin_id", sa.Integer(), sa.ForeignKey("bins.id"), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("predicted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overflow_eta", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("bin_id", "day", name="uq_overflow_bin_day"),
    )
    op.create_index("ix_overflow_predictions_day", "overflow_predictions", ["day"])


def downgrade() -> None:
    op.drop_table("overflow_predictions")
