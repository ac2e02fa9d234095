"""Retention by whole partitions on PostgreSQL (docs/storage.md, "Retention"): a day partition
every record of which is older than its org's cutoff is detached and dropped instead of being
deleted record by record. The part of the log at the cutoff's edge (and the default partition)
is left to the bounded batch deletes of pruning.py.

What the batch deletes do per record is done here per day, so the rollups and the seal chain
end exactly as they would:

- The all-time rollup rows lose the records of the day: the day's own rollup rows are exactly
  their sums (the same keys, one day), so those are subtracted; the hour and day rows of the
  day then go with the other buckets before the cutoff (drop_old_buckets).
- Each batch with records in the day gets a new seal of what is left of it: an empty one when
  the whole batch was in the day (its last seal's count), else the leaves of its other records,
  after checking the whole batch against its last seal as pruning does.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from agent_activity.db.models import ActivityRollup, ActivitySeal
from agent_activity.db.partitions import day_start, partition_days, partition_name
from agent_activity.domain.activity.pruning import batch_left
from agent_activity.domain.activity.rollups import ALL_TIME, COUNTERS, Key, upsert_sums
from agent_activity.domain.activity.seals import append_seal, records_digest

# A drop waits this long at most for the table's lock (held by in-flight writes); past it the
# drop gives up until the next pass rather than queue ingest behind it.
LOCK_TIMEOUT = "2s"


async def droppable_days(
    connection: AsyncConnection, cutoffs: dict[uuid.UUID, datetime]
) -> list[date]:
    """The day partitions, oldest first, whose every record is older than its org's cutoff
    (an org without a cutoff keeps its records for ever, so its days stay)."""
    if not cutoffs:
        return []
    earliest = min(cutoffs.values())
    days = []
    for day in sorted(await partition_days(connection)):
        end = day_start(day + timedelta(days=1))
        if end > earliest:
            break
        orgs = await connection.scalars(text(f"SELECT DISTINCT org_id FROM {partition_name(day)}"))
        if all(org in cutoffs and end <= cutoffs[org] for org in orgs):
            days.append(day)
    return days


async def drop_day(connection: AsyncConnection, day: date, now: datetime) -> int:
    """Take ``day``'s records out of the all-time rollups and the seals, then detach its
    partition, in the caller's transaction; returns how many records it held. The caller drops
    the detached table after the commit (:func:`drop_detached`), outside the parent's lock."""
    table = partition_name(day)
    counts = (
        await connection.execute(
            text(f"SELECT org_id, seal_batch, count(*) FROM {table} GROUP BY org_id, seal_batch")
        )
    ).all()
    await _subtract_day_rollups(connection, day_start(day))
    for org_id, batch, count in counts:
        if batch is not None:
            await _reseal(connection, table, org_id, batch, count, now)
    await connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    await connection.execute(text(f"ALTER TABLE activity_records DETACH PARTITION {table}"))
    return sum(count for *_, count in counts)


async def drop_detached(connection: AsyncConnection, day: date) -> None:
    await connection.execute(text(f"DROP TABLE IF EXISTS {partition_name(day)}"))


async def _subtract_day_rollups(connection: AsyncConnection, start: datetime) -> None:
    R = ActivityRollup
    rows = await connection.execute(
        select(R.org_id, R.scope_type, R.scope_id, R.action, R.resource_type,
               *(getattr(R, name) for name in COUNTERS))
        .where(R.span == "day", R.bucket_start == start)
    )  # fmt: skip
    sums: dict[Key, list[float]] = {
        (org, scope_type, scope_id, "all", ALL_TIME, action, resource_type): [
            -value for value in counters
        ]
        for org, scope_type, scope_id, action, resource_type, *counters in rows
    }
    await upsert_sums(connection, sums)


async def _reseal(
    connection: AsyncConnection,
    table: str,
    org_id: uuid.UUID,
    batch: int,
    count: int,
    now: datetime,
) -> None:
    last = await connection.scalar(
        select(ActivitySeal.record_count)
        .where(ActivitySeal.org_id == org_id, ActivitySeal.batch == batch)
        .order_by(ActivitySeal.position.desc())
        .limit(1)
    )
    if last == count:  # the whole batch is in the day: nothing of it is left to seal
        await append_seal(connection, org_id, batch, 0, records_digest([]), now)
        return
    going = set(
        await connection.scalars(
            text(f"SELECT id FROM {table} WHERE org_id = :org AND seal_batch = :batch"),
            {"org": org_id, "batch": batch},
        )
    )
    leaves = await batch_left(connection, org_id, batch, going)
    await append_seal(connection, org_id, batch, len(leaves), records_digest(leaves), now)
