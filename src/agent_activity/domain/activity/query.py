"""What an activity feed or search matches, and how its records are read: newest first, by keyset.

An :class:`ActivityFilter` is the whole query of one feed (its scope from the path and its
filters from the query string); the cursor is bound to its fingerprint, so a cursor cannot be
replayed against other filters.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, bindparam, select, tuple_

from agent_activity.db.models import ActivityRecord
from agent_activity.db.reads import Read

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
    # Telemetry attribution (docs/otlp.md): a ticket's records, an agent session's records.
    ticket_id: str | None = None
    agent_session_id: str | None = None
    # False leaves out the dashboard's own reads, True keeps only them (for counting those).
    via_dashboard: bool | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive

    def fingerprint(self) -> bytes:
        """Eight bytes that change whenever any condition changes."""
        conditions = tuple(getattr(self, name) for name in FIELDS)  # astuple, without deep copies
        return hashlib.sha256(repr(conditions).encode()).digest()[:8]

    def shape(self) -> tuple[str, ...]:
        """The names of the conditions present: queries of one shape share one statement."""
        return tuple(name for name in CONDITIONS if getattr(self, name) is not None)

    def values(self) -> dict[str, Any]:
        """The bound values of :meth:`conditions`, by parameter name."""
        return {name: getattr(self, name) for name in self.shape()}

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE conditions of this query's shape, with each value a bound parameter named
        after its field (see :meth:`values`)."""
        return [CONDITIONS[name](bindparam(name)) for name in self.shape()]


FIELDS = tuple(field.name for field in fields(ActivityFilter))

# Each condition a filter can set, as a function of its bound parameter; org_id is always set.
CONDITIONS: dict[str, Callable[[Any], ColumnElement[bool]]] = {
    "org_id": lambda value: R.org_id == value,
    "workspace_id": lambda value: R.workspace_id == value,
    "user_id": lambda value: R.user_id == value,
    "app_id": lambda value: R.app_id == value,
    "endpoint_id": lambda value: R.endpoint_id == value,
    "augmentation_id": lambda value: R.augmentation_id == value,
    "resource_id": lambda value: R.resource_id == value,
    "action": lambda value: R.action == value,
    "resource_type": lambda value: R.resource_type == value,
    "success": lambda value: R.success == value,
    "min_duration_ms": lambda value: R.duration_ms >= value,
    "max_duration_ms": lambda value: R.duration_ms <= value,
    "ticket_id": lambda value: R.ticket_id == value,
    "agent_session_id": lambda value: R.agent_session_id == value,
    "via_dashboard": lambda value: R.via_dashboard == value,
    "start": lambda value: R.timestamp >= value,
    "end": lambda value: R.timestamp < value,
}


@dataclass(frozen=True)
class Position:
    """Where a page ended: the (timestamp, id) of its last record."""

    timestamp: datetime
    id: uuid.UUID


@dataclass(frozen=True)
class Page:
    activities: list[dict[str, Any]]  # in file 004's shape
    last: Position | None  # where the page ended, when more records follow


def page_read(query: ActivityFilter, after: Position | None, limit: int) -> Read:
    """The select of one page (``limit`` records and one more, to know if more follow)."""
    values = query.values() | {"limit": limit + 1}
    if after is not None:
        values |= {"after_timestamp": after.timestamp, "after_id": after.id}
    return Read(lambda: _page(query, after), values)


def page_of(rows: list[tuple[Any, ...]], limit: int) -> Page:
    more = len(rows) > limit
    last = Position(rows[limit - 1][2], rows[limit - 1][0]) if more else None
    return Page([as_activity(row) for row in rows[:limit]], last)


SHOWN = (
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
    "ticket_id",
    "agent_session_id",
)
# A page row: what identifies it, the shown columns in order, then the two JSON columns.
PAGE_COLUMNS = (
    R.id,
    R.external_id,
    R.timestamp,
    *(getattr(R, name) for name in SHOWN),
    R.token_usage,
    R.record_metadata,
)
FIRST_SHOWN, END_SHOWN = 3, 3 + len(SHOWN)


def _page(query: ActivityFilter, after: Position | None) -> Select[*tuple[Any, ...]]:
    where = query.conditions()
    if after is not None:
        # The row-value spelling lets both engines seek the (scope, timestamp, id) index; the
        # equivalent OR of two comparisons makes SQLite scan.
        mark = tuple_(
            bindparam("after_timestamp", type_=R.timestamp.type),
            bindparam("after_id", type_=R.id.type),
        )
        where.append(tuple_(R.timestamp, R.id) < mark)
    # Plain rows, not ORM objects: a page is read once and never changed.
    return (
        select(*PAGE_COLUMNS)
        .where(*where)
        .order_by(R.timestamp.desc(), R.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )


def as_activity(row: Sequence[Any]) -> dict[str, Any]:
    """One page row in file 004's shape. The ``id`` is the client's id for an ingested record,
    else the record's UUIDv7."""
    activity: dict[str, Any] = {
        "id": str(row[1] or row[0]),
        "timestamp": row[2].isoformat(timespec="microseconds"),
    }
    activity.update(zip(SHOWN, row[FIRST_SHOWN:END_SHOWN], strict=True))
    activity["token_usage"] = row[END_SHOWN] or {}
    activity["metadata"] = row[END_SHOWN + 1] or {}
    return activity
