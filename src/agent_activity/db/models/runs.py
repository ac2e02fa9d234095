"""Agent runs (spec file 003): one execution of an agent on a trigger."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from agent_activity.db.base import Base, JSONType, UTCDateTime, new_id, utcnow

RUN_STATUSES = ("pending", "running", "completed", "failed", "cancelled", "stopped")
TRIGGER_TYPES = ("email_received", "schedule", "webhook", "manual")


LISTED = ("started_on", "completed_on", "created_on", "status")
# (index name suffix, its sort key, the other listed columns it carries)
RUN_LIST_INDEXES = [
    (key.removesuffix("_on"), key, tuple(other for other in LISTED if other != key))
    for key in LISTED
]


class AgentRun(Base):
    __tablename__ = "agent_runs"
    __table_args__ = (
        UniqueConstraint("agent_id", "idempotency_key"),
        # One index per sort key, with id next so ties break stably within the index, and the
        # other listed columns after it: every filter and sort of the list, and its counts,
        # read the index alone, never the table (see domain/runs/listing.py).
        *(
            Index(f"ix_agent_runs_agent_{name}", "agent_id", key, "id", *covered)
            for name, key, covered in RUN_LIST_INDEXES
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    agent_version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agent_versions.id", ondelete="SET NULL")
    )
    scratchpad_uid: Mapped[uuid.UUID | None] = mapped_column()
    workflow_id: Mapped[str] = mapped_column(String(200))
    approach: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    sandbox: Mapped[bool] = mapped_column(Boolean, default=False)
    trigger_type: Mapped[str] = mapped_column(String(32))
    started_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_on: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    # Token counts by kind (input, output, ...); total_tokens is their sum, kept for sorting/sums.
    token_usage: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    total_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    run_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)


# The day of a run that has not started (or finished) yet, in agent_run_counts' keys: a NULL
# would never match itself in the unique key that the counting upsert relies on. Not
# 0001-01-01: asyncpg sends Python's date.min as PostgreSQL's -infinity.
NOT_YET = date(1, 1, 2)
RUN_COUNT_KEY = (
    "agent_id",
    "trigger_type",
    "status",
    "created_day",
    "started_day",
    "completed_day",
)


class AgentRunCount(Base):
    """How many of an agent's runs share a trigger, a status and the UTC days they were created,
    started and completed on (``NOT_YET`` for none). The runs list's ``total_items`` adds these
    up instead of counting runs (see domain/runs/counts.py).

    Kept by database triggers on ``agent_runs`` (migration 0004), so every path that writes
    runs keeps them in step: the API, the demo, a bulk load, a manual fix in SQL.
    """

    __tablename__ = "agent_run_counts"
    __table_args__ = (UniqueConstraint(*RUN_COUNT_KEY, name="uq_agent_run_counts_key"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    agent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    trigger_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    created_day: Mapped[date] = mapped_column(Date)
    started_day: Mapped[date] = mapped_column(Date)
    completed_day: Mapped[date] = mapped_column(Date)
    runs: Mapped[int] = mapped_column(BigInteger)
