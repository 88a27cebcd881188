"""incidents of the territoire vigilant and their audit trail

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.String(64), nullable=False, unique=True),
        sa.Column("ts", TIME, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(12), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("commune_insee", sa.String(5), sa.ForeignKey("communes.insee"),
                  nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("reporter_ref", sa.String(128), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("assignee", sa.String(120), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), sa.ForeignKey("incidents.id"),
                  nullable=True),
        sa.Column("acknowledged_at", TIME, nullable=True),
        sa.Column("erased_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_index("ix_incidents_ts", "incidents", ["ts"])
    op.create_index("ix_incidents_category", "incidents", ["category"])
    op.create_index("ix_incidents_severity", "incidents", ["severity"])
    op.create_index("ix_incidents_commune_insee", "incidents", ["commune_insee"])
    op.create_index("ix_incidents_status_created", "incidents",
                    ["status", "created_at"])
    op.create_table(
        "incident_events",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("incident_id", sa.Integer(),
                  sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=True),
        sa.Column("detail", sa.String(200), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
    )
    op.create_index("ix_incident_events_incident_id", "incident_events",
                    ["incident_id"])


def downgrade() -> None:
    op.drop_table("incident_events")
    op.drop_table("incidents")
