"""Telemetry attribution: each activity record's ticket and agent session, per-session metric
totals, and the ids that join an MCP session to a telemetry session.

Revision ID: 0006_telemetry
Revises: 0005
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from agent_activity.db.base import UTCDateTime

revision: str = "0006_telemetry"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from the models: this migration must stay what it is.
ATTRIBUTION_INDEXES = {
    "ix_activity_ticket_ts": "ticket_id",
    "ix_activity_agent_session_ts": "agent_session_id",
}


def upgrade() -> None:
    with op.batch_alter_table("activity_records") as table:
        table.add_column(sa.Column("ticket_id", sa.String(64), nullable=True))
        table.add_column(sa.Column("agent_session_id", sa.String(128), nullable=True))
    for name, column in ATTRIBUTION_INDEXES.items():
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            name,
            "activity_records",
            ["org_id", column, "timestamp", "id"],
            sqlite_where=where,
            postgresql_where=where,
        )
    op.create_table(
        "session_metric_totals",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("session_key", sa.String(128), nullable=False),
        sa.Column("metric", sa.String(128), nullable=False),
        sa.Column("series", sa.String(512), nullable=False),
        sa.Column("principal_id", sa.String(64), nullable=True),
        sa.Column("project_id", sa.String(64), nullable=True),
        sa.Column("ticket_id", sa.String(64), nullable=True),
        sa.Column("unit", sa.String(32), nullable=True),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("series_start_ns", sa.BigInteger(), nullable=False),
        sa.Column("series_value", sa.Float(), nullable=False),
        sa.Column("last_point_ns", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "org_id", "session_key", "metric", "series", name="uq_session_metric_totals_key"
        ),
    )
    op.create_table(
        "telemetry_joins",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("join_key", sa.String(200), nullable=False),
        sa.Column("mcp_session_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org_id", "join_key", name="uq_telemetry_joins_key"),
    )


def downgrade() -> None:
    op.drop_table("telemetry_joins")
    op.drop_table("session_metric_totals")
    for name in ATTRIBUTION_INDEXES:
        op.drop_index(name, table_name="activity_records")
    with op.batch_alter_table("activity_records") as table:
        table.drop_column("agent_session_id")
        table.drop_column("ticket_id")
