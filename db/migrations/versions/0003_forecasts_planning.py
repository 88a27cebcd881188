"""forecasts, collection planning and job bookkeeping

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22 03:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = ("planning",)
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "forecasts",
        sa.Column("bin_id", sa.Integer(), sa.ForeignKey("bins.id"), primary_key=True),
        sa.Column("generated_at", TIME, nullable=False),
        sa.Column("current_fill", sa.Float(), nullable=True),
        sa.Column("rate_pct_per_h", sa.Float(), nullable=False),
        sa.Column("alert_eta", TIME, nullable=True),
        sa.Column("overflow_eta", TIME, nullable=True),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("stuck", sa.Boolean(), nullable=False),
        sa.Column("trajectory", sa.Text(), nullable=False),
    )
    op.create_index("ix_forecasts_alert_eta", "forecasts", ["alert_eta"])
    op.create_index("ix_forecasts_overflow_eta", "forecasts", ["overflow_eta"])
    op.create_table(
        "route_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("routes", sa.Text(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("stops", sa.Integer(), nullable=False),
    )
    op.create_index("ix_route_plans_day", "route_plans", ["day"])
    op.create_table(
        "collection_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bin_id", sa.Integer(), sa.ForeignKey("bins.id"), nullable=False),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("route_plans.id"),
                  nullable=True),
        sa.Column("truck", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("comment", sa.String(500), nullable=False),
        sa.Column("fill_before", sa.Float(), nullable=True),
        sa.Column("recorded_at", TIME, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_collection_events_bin_id", "collection_events", ["bin_id"])
    op.create_index("ix_collection_events_recorded_at", "collection_events",
                    ["recorded_at"])
    op.create_table(
        "job_runs",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("job", sa.String(40), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("detail", sa.String(500), nullable=False),
        sa.Column("host", sa.String(100), nullable=False),
    )
    op.create_index("ix_job_runs_job", "job_runs", ["job"])
    op.create_index("ix_job_runs_started_at", "job_runs", ["started_at"])
    op.create_table(
        "job_locks",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
    )


def downgrade() -> None:
    for table in ("job_locks", "job_runs", "collection_events", "route_plans",
                  "forecasts"):
        op.drop_table(table)
