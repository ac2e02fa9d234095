"""Dashboard reads: mark the request-log records of the dashboard's own reads, so the feeds can
leave them out.

Revision ID: 0012_dashboard_reads
Revises: 0011_retention
Create Date: 2026-12-08 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_dashboard_reads"
down_revision: str | None = "0011_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: both engines add the column without rewriting the table.
    op.add_column(
        "activity_records",
        sa.Column("via_dashboard", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("activity_records") as table:
        table.drop_column("via_dashboard")
