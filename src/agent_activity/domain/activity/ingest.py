"""Ingest: a batch of activity records from another system, stored all or nothing.

Each record carries the client's own id (stored as ``external_id``); its row id is derived from
the org, that id and the record's timestamp (ids.py). Records already stored are skipped, so
replaying a batch, or a batch that overlaps an earlier one, is a no-op for the records already
there: the first write wins and later copies are not compared. Two identical batches racing each
other collide on the primary key; the caller retries once, and the retry sees the winner's
records as duplicates.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityLegacyKey, ActivityRecord
from agent_activity.domain.activity.feeds import check_org
from agent_activity.domain.activity.ids import record_id
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
    keys = [(r["external_id"], r["timestamp"]) for r in records]
    stored = await stored_external_ids(session, org_id, keys)
    fresh = [
        {**record, "org_id": org_id, "received_at": now}
        for record in records
        if record["external_id"] not in stored
    ]
    own = audit() if audit is not None else None
    await write_activity_records(session, fresh if own is None else [*fresh, own])
    return IngestResult(len(records), len(fresh), len(records) - len(fresh))


async def stored_external_ids(
    session: AsyncSession, org_id: uuid.UUID, keys: list[tuple[str, datetime]]
) -> set[str]:
    """Which of ``keys`` (client id, timestamp) the org already has a record of: by the derived
    id and time (the primary key; the time bounds prune PostgreSQL's partitions), or, for a
    record stored before ids were derived, by its client id alone (activity_legacy_keys)."""
    stored: set[str] = set()
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        ids = {record_id(org_id, key, at): (key, at) for key, at in chunk}
        times = [at for _, at in chunk]
        rows = await session.execute(
            select(ActivityRecord.id, ActivityRecord.timestamp).where(
                ActivityRecord.id.in_(list(ids)),
                ActivityRecord.timestamp.between(min(times), max(times)),
                ActivityRecord.org_id == org_id,
            )
        )
        stored.update(ids[id_][0] for id_, at in rows if ids[id_][1] == at)
        legacy = await session.scalars(
            select(ActivityLegacyKey.external_id).where(
                ActivityLegacyKey.org_id == org_id,
                ActivityLegacyKey.external_id.in_([key for key, _ in chunk]),
            )
        )
        stored.update(legacy)
    return stored


def _issue(index: int, field: str, message: str, value: object) -> FieldIssue:
    return FieldIssue(("body", "activities", index, field), message, "value_error", value, {})
