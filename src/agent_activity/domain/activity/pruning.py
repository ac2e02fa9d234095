"""One retention transaction: remove an org's oldest records past the cutoff, take them out of
the all-time rollups and reseal what is left of each batch they came from (see retention.py).

A batch is resealed only while its records still match its last seal: retention never turns a
changed record into a sealed one. A batch that no longer matches stops the org's pass.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from agent_activity.db.models import ActivityRecord, ActivityRollup, ActivitySeal, TicketUsage
from agent_activity.domain.activity.query import PAGE_COLUMNS, as_activity
from agent_activity.domain.activity.rollups import remove_from_all_time
from agent_activity.domain.activity.seals import append_seal, leaf_of, records_digest
from agent_activity.domain.errors import Conflict

R = ActivityRecord
# What the rollups are summed from.
ROLLED_UP = ("org_id", "workspace_id", "user_id", "app_id", "endpoint_id", "timestamp",
             "action", "resource_type", "success", "duration_ms", "total_tokens",
             "via_dashboard")  # fmt: skip
# Rows one DELETE ... IN names: well inside every engine's limit on bound parameters.
IN_CHUNK = 500


class BrokenBatch(Conflict):
    """A batch retention would reseal no longer matches its seal."""


async def prune_chunk(
    connection: AsyncConnection, org_id: uuid.UUID, cutoff: datetime, limit: int, now: datetime
) -> int:
    """Remove up to ``limit`` of the org's records older than ``cutoff``, oldest first; returns
    how many went."""
    columns = [getattr(R, name) for name in ROLLED_UP]
    statement = (
        select(R.id, R.seal_batch, *columns)
        .where(R.org_id == org_id, R.timestamp < cutoff)
        .order_by(R.timestamp, R.id)
        .limit(limit)
    )
    rows = [row._asdict() for row in (await connection.execute(statement)).all()]
    if not rows:
        return 0
    touched = sorted({row["seal_batch"] for row in rows if row["seal_batch"] is not None})
    going = {row["id"] for row in rows}
    kept = {batch: await batch_left(connection, org_id, batch, going) for batch in touched}
    ids = [row["id"] for row in rows]
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        # The time bound lets PostgreSQL look in the partitions before the cutoff only.
        await connection.execute(delete(R).where(R.id.in_(chunk), R.timestamp < cutoff))
    await remove_from_all_time(connection, rows)
    for batch in touched:
        leaves = kept[batch]
        await append_seal(connection, org_id, batch, len(leaves), records_digest(leaves), now)
    return len(rows)


async def batch_left(
    connection: AsyncConnection, org_id: uuid.UUID, batch: int, going: set[uuid.UUID]
) -> list[bytes]:
    """The leaves of the records of ``batch`` that stay, after checking the whole batch against
    its last seal."""
    statement = select(R.id, *PAGE_COLUMNS).where(R.org_id == org_id, R.seal_batch == batch)
    leaves: list[bytes] = []
    kept: list[bytes] = []
    for row in (await connection.execute(statement)).all():
        leaf = leaf_of(as_activity(tuple(row[1:])))
        leaves.append(leaf)
        if row[0] not in going:
            kept.append(leaf)
    last = (
        await connection.execute(
            select(ActivitySeal.record_count, ActivitySeal.records_digest)
            .where(ActivitySeal.org_id == org_id, ActivitySeal.batch == batch)
            .order_by(ActivitySeal.position.desc())
            .limit(1)
        )
    ).first()
    if last is None or (last[0], last[1]) != (len(leaves), records_digest(leaves)):
        raise BrokenBatch(
            f"batch {batch} of org {org_id} no longer matches its seal; run agent-activity verify"
        )
    return kept


async def drop_old_buckets(
    connection: AsyncConnection, org_id: uuid.UUID, cutoff: datetime, limit: int
) -> int:
    """Remove up to ``limit`` of the org's hour and day rollup rows (activity and ticket usage)
    older than ``cutoff``, and all-time activity rows nothing counts any more."""
    removed = 0
    for table, spans in ((ActivityRollup, ("hour", "day")), (TicketUsage, ("hour",))):
        old = (
            select(table.id)
            .where(table.org_id == org_id, table.span.in_(spans), table.bucket_start < cutoff)
            .limit(limit)
        )
        removed += await _delete_ids(connection, table, old)
    empty = select(ActivityRollup.id).where(
        ActivityRollup.org_id == org_id, ActivityRollup.span == "all", ActivityRollup.requests == 0
    )
    removed += await _delete_ids(connection, ActivityRollup, empty.limit(limit))
    return removed


async def _delete_ids(connection: AsyncConnection, table: Any, ids: Any) -> int:
    found: Sequence[Any] = (await connection.execute(ids)).scalars().all()
    for start in range(0, len(found), IN_CHUNK):
        await connection.execute(delete(table).where(table.id.in_(found[start : start + IN_CHUNK])))
    return len(found)
