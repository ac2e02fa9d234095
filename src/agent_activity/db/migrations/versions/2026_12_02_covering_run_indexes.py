"""The runs list's indexes carry every listed column, so its filters, sorts and counts read the
index alone.

Each ``(agent_id, key, id)`` index becomes ``(agent_id, key, id, <the other listed columns>)``.
The order of an index is unchanged (``id`` is unique, so nothing after it reorders entries);
only a filter on another column can now be checked without reading the run.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTED = ("started_on", "completed_on", "created_on", "status")


def _replace(covering: bool) -> None:
    for key in LISTED:
        name = f"ix_agent_runs_agent_{key.removesuffix('_on')}"
        covered = [other for other in LISTED if other != key] if covering else []
        op.drop_index(name, table_name="agent_runs")
        op.create_index(name, "agent_runs", ["agent_id", key, "id", *covered])


def upgrade() -> None:
    _replace(covering=True)


def downgrade() -> None:
    _replace(covering=False)
