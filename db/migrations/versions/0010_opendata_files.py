"""open-data files built by the scheduled job, shared by every web worker

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-22 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opendata_files",
        sa.Column("dataset", sa.String(40), primary_key=True),
        sa.Column("format", sa.String(8), primary_key=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("data_hash", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("opendata_files")
