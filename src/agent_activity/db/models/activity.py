"""The activity log (spec file 004) and its hourly rollups.

Records reference users, workspaces, apps and so on by id string, without foreign keys: an audit
trail outlives what it describes, and ingested records may come from other systems.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from agent_activity.db.base import Base, JSONType, UTCDateTime, new_id, utcnow

# The scoped feeds' indexes: (org_id, *columns, timestamp, id), holding only the records that
# have every one of the columns. A feed always names them with ``=``, which implies NOT NULL, so
# both engines use the index; a record without them (most of the request log: no app, endpoint,
# augmentation, often no workspace or resource) costs no entry, which makes writing it about a
# third cheaper.
SCOPE_INDEXES: dict[str, tuple[str, ...]] = {
    "ix_activity_workspace_ts": ("workspace_id",),
    "ix_activity_user_ts": ("user_id",),
    "ix_activity_app_ts": ("app_id",),
    "ix_activity_endpoint_ts": ("endpoint_id",),
    "ix_activity_augmentation_ts": ("augmentation_id",),
    "ix_activity_resource_ts": ("resource_id",),
    "ix_activity_action_ts": ("workspace_id", "action"),  # a workspace's feed of one action
}
# Telemetry's attribution (otlp/): the records of one ticket or one agent session, newest first.
ATTRIBUTION_INDEXES: dict[str, tuple[str, ...]] = {
    "ix_activity_ticket_ts": ("ticket_id",),
    "ix_activity_agent_session_ts": ("agent_session_id",),
}


def all_present(columns: tuple[str, ...]) -> str:
    """A partial index's condition: every one of ``columns`` is set."""
    return " AND ".join(f"{column} IS NOT NULL" for column in columns)


def scope_index(name: str, columns: tuple[str, ...]) -> Index:
    condition = text(all_present(columns))
    return Index(
        name,
        "org_id",
        *columns,
        "timestamp",
        "id",
        sqlite_where=condition,
        postgresql_where=condition,
    )


class ActivityRecord(Base):
    __tablename__ = "activity_records"
    __table_args__ = (
        # Keyset pagination walks (timestamp, id) newest first within each feed's scope.
        Index("ix_activity_org_ts", "org_id", "timestamp", "id"),
        # A batch's records, for verify and for resealing what retention leaves of a batch.
        Index("ix_activity_org_batch", "org_id", "seal_batch"),
        *(scope_index(name, columns) for name, columns in SCOPE_INDEXES.items()),
        *(scope_index(name, columns) for name, columns in ATTRIBUTION_INDEXES.items()),
    )

    # The primary key holds the timestamp because PostgreSQL partitions the table by it
    # (db/partitions.py); an ingested record's id is derived from its client id and time
    # (domain/activity/ids.py), so the key also stores a retried record once.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column()
    # The client's own id for an ingested record; a replay of the same record is a no-op.
    external_id: Mapped[str | None] = mapped_column(String(128))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True, default=utcnow)
    trace_id: Mapped[str | None] = mapped_column(String(128))
    user_id: Mapped[str | None] = mapped_column(String(64))
    workspace_id: Mapped[str | None] = mapped_column(String(64))
    app_id: Mapped[str | None] = mapped_column(String(64))
    endpoint_id: Mapped[str | None] = mapped_column(String(64))
    principal_type: Mapped[str | None] = mapped_column(String(16))
    principal_id: Mapped[str | None] = mapped_column(String(64))
    token_id: Mapped[str | None] = mapped_column(String(64))
    token_type: Mapped[str | None] = mapped_column(String(16))
    method: Mapped[str | None] = mapped_column(String(16))
    path: Mapped[str | None] = mapped_column(String(1000))
    resource_type: Mapped[str | None] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(128))
    action: Mapped[str | None] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    success: Mapped[bool] = mapped_column(Boolean, default=True)
    error_code: Mapped[str | None] = mapped_column(String(64))
    duration_ms: Mapped[float | None] = mapped_column(Float)
    execution_id: Mapped[str | None] = mapped_column(String(128))
    augmentation_id: Mapped[str | None] = mapped_column(String(64))
    stages_completed: Mapped[int | None] = mapped_column(Integer)
    total_stages: Mapped[int | None] = mapped_column(Integer)
    token_usage: Mapped[dict[str, int] | None] = mapped_column(JSONType)
    total_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    record_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The ticket of the work interval open when the record was made (telemetry of a joined
    # session), and the agent session (telemetry session.id) it came from.
    ticket_id: Mapped[str | None] = mapped_column(String(64))
    agent_session_id: Mapped[str | None] = mapped_column(String(128))
    # The batch it was written and sealed in (see domain/activity/seals.py); None before seals.
    seal_batch: Mapped[int | None] = mapped_column(BigInteger)
    # A read the dashboard made for its own pages (its proxy marks them), which the feeds can
    # leave out (docs/activity-log.md); never settable by a client.
    via_dashboard: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ActivityLegacyKey(Base):
    """The client ids of the records stored before ids were derived (migration 0013), which
    keep their drawn ids: ingest looks a replayed record up here too, so it is still stored
    once. Written only by that migration."""

    __tablename__ = "activity_legacy_keys"

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), primary_key=True)


class ActivityRollup(Base):
    """Counts per scope (org, workspace, user, app, endpoint), span and action x resource type.

    Each record is counted at three spans: its hour, its (UTC) day and all time (one bucket,
    starting at ``ALL_TIME``). Kept up to date with every written batch, so a summary or a feed
    total reads a few dozen to a few hundred rows, not the log. Absent dimensions are stored as
    '' so the unique key works for upserts on both engines.
    """

    __tablename__ = "activity_rollups"
    __table_args__ = (
        # span before bucket_start: a range of buckets of one span is one index range.
        UniqueConstraint(
            "org_id",
            "scope_type",
            "scope_id",
            "span",
            "bucket_start",
            "action",
            "resource_type",
            name="uq_activity_rollups_key",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column()
    scope_type: Mapped[str] = mapped_column(String(16))  # org|workspace|user|app|endpoint
    scope_id: Mapped[str] = mapped_column(String(64))
    span: Mapped[str] = mapped_column(String(8), default="hour")  # hour|day|all
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(64))
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
    successes: Mapped[int] = mapped_column(BigInteger, default=0)
    duration_sum_ms: Mapped[float] = mapped_column(Float, default=0.0)
    duration_count: Mapped[int] = mapped_column(BigInteger, default=0)
    tokens: Mapped[int] = mapped_column(BigInteger, default=0)
