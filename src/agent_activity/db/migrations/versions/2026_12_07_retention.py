"""Retention: a per-org period, the lease that lets one process run a pass at a time, and an
index on each record's seal batch (verify reads by it, retention reseals what it leaves of one).

Revision ID: 0011_retention
Revises: 0008_seals
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from agent_activity.db.base import UTCDateTime

revision: str = "0011_retention"
down_revision: str | None = "0008_seals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orgs") as table:
        table.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_job_leases"),
    )
    op.create_index("ix_activity_org_batch", "activity_records", ["org_id", "seal_batch"])


def downgrade() -> None:
    op.drop_index("ix_activity_org_batch", table_name="activity_records")
    op.drop_table("job_leases")
    with op.batch_alter_table("orgs") as table:
        table.drop_column("retention_days")
