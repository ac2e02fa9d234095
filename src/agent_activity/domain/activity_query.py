"""What an activity feed or search matches, and how its records are read: newest first, by keyset.

An :class:`ActivityFilter` is the whole query of one feed (its scope from the path and its
filters from the query string); the cursor is bound to its fingerprint, so a cursor cannot be
replayed against other filters.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord

R = ActivityRecord


@dataclass(frozen=True)
class ActivityFilter:
    """Every condition a feed can put on the log; None means "any"."""

    org_id: uuid.UUID
    workspace_id: str | None = None
    user_id: str | None = None
    app_id: str | None = None
    endpoint_id: str | None = None
    augmentation_id: str | None = None
    resource_id: str | None = None
    action: str | None = None
    resource_type: str | None = None
    success: bool | None = None
    min_duration_ms: float | None = None
    max_duration_ms: float | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive

    def fingerprint(self) -> bytes:
        """Eight bytes that change whenever any condition changes."""
        return hashlib.sha256(repr(astuple(self)).encode()).digest()[:8]

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [R.org_id == self.org_id]
        equal = {
            R.workspace_id: self.workspace_id,
            R.user_id: self.user_id,
            R.app_id: self.app_id,
            R.endpoint_id: self.endpoint_id,
            R.augmentation_id: self.augmentation_id,
            R.resource_id: self.resource_id,
            R.action: self.action,
            R.resource_type: self.resource_type,
            R.success: self.success,
        }
        where += [column == value for column, value in equal.items() if value is not None]
        if self.min_duration_ms is not None:
            where.append(R.duration_ms >= self.min_duration_ms)
        if self.max_duration_ms is not None:
            where.append(R.duration_ms <= self.max_duration_ms)
        if self.start is not None:
            where.append(R.timestamp >= self.start)
        if self.end is not None:
            where.append(R.timestamp < self.end)
        return where


@dataclass(frozen=True)
class Position:
    """Where a page ended: the (timestamp, id) of its last record."""

    timestamp: datetime
    id: uuid.UUID


async def read_page(
    session: AsyncSession, query: ActivityFilter, after: Position | None, limit: int
) -> tuple[list[RowMapping], bool]:
    """Up to ``limit`` records older than ``after``, newest first, and whether more follow."""
    where = query.conditions()
    if after is not None:
        # The row-value spelling lets both engines seek the (scope, timestamp, id) index; the
        # equivalent OR of two comparisons makes SQLite scan.
        mark = tuple_(literal(after.timestamp, R.timestamp.type), literal(after.id, R.id.type))
        where.append(tuple_(R.timestamp, R.id) < mark)
    # Plain rows, not ORM objects: a page is read once and never changed.
    statement = (
        select(R.__table__).where(*where).order_by(R.timestamp.desc(), R.id.desc()).limit(limit + 1)
    )
    records = list((await session.execute(statement)).mappings())
    return records[:limit], len(records) > limit


SHOWN = [
    "trace_id",
    "user_id",
    "workspace_id",
    "app_id",
    "principal_type",
    "principal_id",
    "token_id",
    "token_type",
    "method",
    "path",
    "resource_type",
    "resource_id",
    "action",
    "status_code",
    "success",
    "error_code",
    "duration_ms",
    "execution_id",
    "augmentation_id",
    "stages_completed",
    "total_stages",
]


def public_id(record: RowMapping) -> str:
    """The feed's ``id``: the client's id for an ingested record, else the record's UUIDv7."""
    return str(record["external_id"] or record["id"])


def as_activity(record: RowMapping) -> dict[str, Any]:
    """One record in file 004's shape."""
    activity: dict[str, Any] = {
        "id": public_id(record),
        "timestamp": record["timestamp"].isoformat(timespec="microseconds"),
    }
    activity.update((name, record[name]) for name in SHOWN)
    activity["token_usage"] = record["token_usage"] or {}
    activity["metadata"] = record["metadata"] or {}
    return activity
