"""health coverage: RPPS snapshots, practices per commune, nearby outside communes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = ("health",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "health_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("extracted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_kept", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "health_outside_communes",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("insee", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["health_snapshots.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "insee"),
    )
    op.create_table(
        "health_practices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.String(length=20), nullable=False),
        sa.Column("profession", sa.String(length=32), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.Column("primary_care", sa.Boolean(), nullable=False),
        sa.Column("placed_by", sa.String(length=12), nullable=False),
        sa.Column("sites", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["health_snapshots.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "snapshot_id",
            "practitioner_id",
            "profession",
            "commune_insee",
            name="uq_health_practices_person",
        ),
    )
    with op.batch_alter_table("health_practices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_health_practices_snapshot_commune",
            ["snapshot_id", "commune_insee"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("health_practices", schema=None) as batch_op:
        batch_op.drop_index("ix_health_practices_snapshot_commune")
    op.drop_table("health_practices")
    op.drop_table("health_outside_communes")
    op.drop_table("health_snapshots")
