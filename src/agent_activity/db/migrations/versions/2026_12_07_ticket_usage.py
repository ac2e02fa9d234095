"""Ticket usage rollups: agent time, tool calls, model requests, tokens and cost per ticket.

Revision ID: 0007_ticket_usage
Revises: 0006_telemetry
Create Date: 2026-12-07 17:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from agent_activity.db.base import UTCDateTime

revision: str = "0007_ticket_usage"
down_revision: str | None = "0006_telemetry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = (
    "agent_time_us",
    "intervals",
    "tool_calls",
    "failed_tool_calls",
    "model_requests",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
)


def upgrade() -> None:
    op.create_table(
        "ticket_usage",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("dimension", sa.String(8), nullable=False),
        sa.Column("dimension_key", sa.String(160), nullable=False),
        sa.Column("span", sa.String(8), nullable=False),
        sa.Column("bucket_start", UTCDateTime(timezone=True), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in COUNTERS),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.UniqueConstraint(
            "org_id",
            "ticket_id",
            "dimension",
            "dimension_key",
            "span",
            "bucket_start",
            name="uq_ticket_usage_key",
        ),
    )
    op.create_index("ix_ticket_usage_project", "ticket_usage", ["project_id", "dimension", "span"])


def downgrade() -> None:
    op.drop_index("ix_ticket_usage_project", table_name="ticket_usage")
    op.drop_table("ticket_usage")
