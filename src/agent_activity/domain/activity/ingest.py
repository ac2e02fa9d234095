"""Ingest: a batch of activity records from another system, stored all or nothing.

Each record carries the client's own id (stored as ``external_id``, unique per org). Ids already
stored are skipped, so replaying a batch, or a batch that overlaps an earlier one, is a no-op for
the records already there: the first write of an id wins and later copies are not compared.
Two identical batches racing each other collide on the unique key; the caller retries once, and
the retry sees the winner's records as duplicates.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord
from agent_activity.domain.activity.feeds import check_org
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.errors import FieldIssue, Invalid
from agent_activity.domain.tenancy.access import check_org_access
from agent_activity.domain.tenancy.principal import INGEST, Principal

MAX_BATCH = 1000
# Clocks disagree a little; a record further in the future than this is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=5)
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    inserted: int
    duplicates: int


def check_batch(records: list[dict[str, Any]], now: datetime) -> None:
    """Rules that span records or need the clock (field rules are in the request schema)."""
    issues: list[FieldIssue] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(records):
        external_id = record["external_id"]
        if external_id in seen:
            message = f"Duplicate id in this batch (also at index {seen[external_id]})"
            issues.append(_issue(index, "id", message, external_id))
        seen.setdefault(external_id, index)
        if record["timestamp"] > now + FUTURE_TOLERANCE:
            message = "Timestamp is in the future (more than 5 minutes ahead of the server)"
            issues.append(_issue(index, "timestamp", message, record["timestamp"].isoformat()))
    if issues:
        raise Invalid("Invalid activity batch", issues)


async def ingest_batch(
    session: AsyncSession,
    principal: Principal,
    org_id: uuid.UUID,
    records: list[dict[str, Any]],
    now: datetime,
    audit: Callable[[], dict[str, Any] | None] | None = None,
) -> IngestResult:
    """Store ``records`` (ActivityRecord attributes, ``external_id`` set) in ``org_id``; flushes
    only: the caller commits, and acknowledges after the commit. ``audit`` makes the request's
    own record, asked for once the batch is checked and stored in the same write, so the batch
    and its record share one pass over the rollups and one seal per org."""
    check_org(principal, org_id)
    check_org_access(principal, org_id, INGEST)
    check_batch(records, now)
    stored = await stored_external_ids(session, org_id, [r["external_id"] for r in records])
    fresh = [
        {**record, "org_id": org_id, "received_at": now}
        for record in records
        if record["external_id"] not in stored
    ]
    own = audit() if audit is not None else None
    await write_activity_records(session, fresh if own is None else [*fresh, own])
    return IngestResult(len(records), len(fresh), len(records) - len(fresh))


async def stored_external_ids(session: AsyncSession, org_id: uuid.UUID, ids: list[str]) -> set[str]:
    """Which of ``ids`` the org already has records under."""
    stored: set[str] = set()
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        rows = await session.scalars(
            select(ActivityRecord.external_id).where(
                ActivityRecord.org_id == org_id, ActivityRecord.external_id.in_(chunk)
            )
        )
        stored.update(value for value in rows if value is not None)
    return stored


def _issue(index: int, field: str, message: str, value: object) -> FieldIssue:
    return FieldIssue(("body", "activities", index, field), message, "value_error", value, {})
