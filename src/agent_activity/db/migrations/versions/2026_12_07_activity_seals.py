"""Batch seals: each written batch of records gets a seal chained to its org's previous one.

Records written before this migration keep ``seal_batch`` NULL: they predate the chain, and
``agent-activity verify`` counts them apart.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from agent_activity.db.base import UTCDateTime

revision: str = "0008_seals"
down_revision: str | None = "0007_ticket_usage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("activity_records", sa.Column("seal_batch", sa.BigInteger(), nullable=True))
    op.create_table(
        "activity_seals",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("batch", sa.BigInteger(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("records_digest", sa.String(64), nullable=False),
        sa.Column("previous", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("sealed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "position", name="pk_activity_seals"),
    )


def downgrade() -> None:
    op.drop_table("activity_seals")
    with op.batch_alter_table("activity_records") as table:
        table.drop_column("seal_batch")
