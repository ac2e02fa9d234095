"""The scoped feeds' indexes hold only the records that have their scope.

``ix_activity_app_ts`` and its siblings indexed every record, also those without an app,
endpoint, augmentation, workspace or resource, which are most of the request log. Every feed
names its scope's columns with ``=`` (so NOT NULL is implied and both engines still use the
index), so a record without them needs no entry: each such index becomes partial,
``WHERE <its columns> IS NOT NULL``. Writing a request-log record touches four b-trees
instead of ten.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from the models: this migration must stay what it is when the models
# move on.
SCOPE_INDEXES = {
    "ix_activity_workspace_ts": ("workspace_id",),
    "ix_activity_user_ts": ("user_id",),
    "ix_activity_app_ts": ("app_id",),
    "ix_activity_endpoint_ts": ("endpoint_id",),
    "ix_activity_augmentation_ts": ("augmentation_id",),
    "ix_activity_resource_ts": ("resource_id",),
    "ix_activity_action_ts": ("workspace_id", "action"),
}


def _replace(partial: bool) -> None:
    for name, columns in SCOPE_INDEXES.items():
        where = None
        if partial:
            where = sa.text(" AND ".join(f"{column} IS NOT NULL" for column in columns))
        op.drop_index(name, table_name="activity_records")
        op.create_index(
            name,
            "activity_records",
            ["org_id", *columns, "timestamp", "id"],
            sqlite_where=where,
            postgresql_where=where,
        )


def upgrade() -> None:
    _replace(partial=True)


def downgrade() -> None:
    _replace(partial=False)
