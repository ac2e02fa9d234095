"""Rollups at three spans: hour, day and all time.

Existing rows are the hourly ones; the day and all-time rows are added up from them, so a
database migrated with records already in it answers exactly as one that started fresh.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KEY = "uq_activity_rollups_org_id_scope_type_scope_id_bucket_start_action_resource_type"
NEW_KEY = "uq_activity_rollups_key"
KEY = ["org_id", "scope_type", "scope_id", "span", "bucket_start", "action", "resource_type"]
SUMS = "sum(requests), sum(successes), sum(duration_sum_ms), sum(duration_count), sum(tokens)"
COLUMNS = (
    "org_id, scope_type, scope_id, span, bucket_start, action, resource_type, "
    "requests, successes, duration_sum_ms, duration_count, tokens"
)


def bucket_expressions(dialect: str) -> dict[str, str]:
    """SQL for a day's and all time's bucket start, from an hourly ``bucket_start``. SQLite
    stores naive UTC text ('YYYY-MM-DD HH:MM:SS.ffffff'); PostgreSQL a timestamptz."""
    if dialect == "sqlite":
        return {
            "day": "substr(bucket_start, 1, 10) || ' 00:00:00.000000'",
            "all": "'1970-01-01 00:00:00.000000'",
        }
    return {
        "day": "date_trunc('day', bucket_start, 'UTC')",
        "all": "TIMESTAMPTZ '1970-01-01 00:00:00+00'",
    }


def upgrade() -> None:
    with op.batch_alter_table("activity_rollups", recreate="auto") as batch:
        batch.add_column(
            sa.Column("span", sa.String(length=8), nullable=False, server_default="hour")
        )
        batch.drop_constraint(op.f(OLD_KEY), type_="unique")
        batch.create_unique_constraint(NEW_KEY, KEY)
    with op.batch_alter_table("activity_rollups") as batch:
        batch.alter_column("span", server_default=None)
    for span, bucket in bucket_expressions(op.get_bind().dialect.name).items():
        op.execute(
            f"INSERT INTO activity_rollups ({COLUMNS}) "
            f"SELECT org_id, scope_type, scope_id, '{span}', {bucket}, action, resource_type, "
            f"{SUMS} FROM activity_rollups WHERE span = 'hour' "
            f"GROUP BY org_id, scope_type, scope_id, {bucket}, action, resource_type"
        )


def downgrade() -> None:
    op.execute("DELETE FROM activity_rollups WHERE span <> 'hour'")
    with op.batch_alter_table("activity_rollups", recreate="auto") as batch:
        batch.drop_constraint(NEW_KEY, type_="unique")
        batch.create_unique_constraint(
            op.f(OLD_KEY),
            ["org_id", "scope_type", "scope_id", "bucket_start", "action", "resource_type"],
        )
        batch.drop_column("span")
