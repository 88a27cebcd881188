"""forecast quality (backtest results)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 03:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecast_quality",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
    )
    op.create_index("ix_forecast_quality_computed_at", "forecast_quality",
                    ["computed_at"])


def downgrade() -> None:
    op.drop_table("forecast_quality")
