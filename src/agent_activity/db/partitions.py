"""PostgreSQL's day partitions of ``activity_records`` (docs/storage.md, "Partitions").

The table is range-partitioned by ``timestamp``, one partition per UTC day, plus a default
partition that takes whatever no day partition covers (a record far in the past or future), so
no write ever fails for a missing partition. Every process runs :class:`PartitionJob`, which
keeps the days from yesterday to ``AHEAD_DAYS`` ahead created; a lease in the database lets one
process at a time do it. SQLite keeps one table and none of this runs there.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from agent_activity.db.leases import release_lease, take_lease

PARENT = "activity_records"
DEFAULT = "activity_records_default"
PREFIX = "activity_records_p"
AHEAD_DAYS = 7
LEASE = "activity partitions"
LEASE_PERIOD = timedelta(minutes=5)
# A pass an hour: the window is a week, so a process may be down for days before it matters.
INTERVAL_S = 3600.0
log = logging.getLogger(__name__)


def is_partition(table: str) -> bool:
    return table == DEFAULT or table.startswith(PREFIX)


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic's filter: the partitions are made by the service, not described by the models."""
    return not (type_ == "table" and name is not None and is_partition(name))


def partition_name(day: date) -> str:
    return f"{PREFIX}{day:%Y%m%d}"


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def create_day_sql(day: date) -> str:
    """The DDL of ``day``'s partition: [its 00:00 UTC, the next day's)."""
    start, end = day_start(day), day_start(day + timedelta(days=1))
    return (
        f"CREATE TABLE IF NOT EXISTS {partition_name(day)} PARTITION OF {PARENT} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )


# PostgreSQL names a partition's copy of an index after its columns; each is renamed after the
# parent's index and the partition (ix_activity_org_ts_p20261208), so plans name the index
# the models declare.
NAME_INDEXES_SQL = f"""
DO $$
DECLARE found record;
BEGIN
  FOR found IN
    SELECT child.relname AS child, parent.relname || '_' || substr(part.relname, {len(PARENT) + 2})
           AS wanted
    FROM pg_inherits
    JOIN pg_class child ON child.oid = pg_inherits.inhrelid
    JOIN pg_class parent ON parent.oid = pg_inherits.inhparent AND parent.relkind = 'I'
    JOIN pg_index ON pg_index.indexrelid = child.oid
    JOIN pg_class part ON part.oid = pg_index.indrelid
    JOIN pg_inherits tables ON tables.inhrelid = part.oid
    WHERE tables.inhparent = '{PARENT}'::regclass
  LOOP
    IF found.child <> found.wanted THEN
      EXECUTE format('ALTER INDEX %I RENAME TO %I', found.child, found.wanted);
    END IF;
  END LOOP;
END $$
"""

# The day partitions that exist, read from the catalogue (names are the contract: PREFIX+date).
DAYS_SQL = text(
    "SELECT child.relname FROM pg_inherits"
    " JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
    " JOIN pg_class parent ON parent.oid = pg_inherits.inhparent"
    " WHERE parent.relname = :parent AND child.relname LIKE :prefix"
)
DEFAULT_HOLDS_SQL = text(
    f"SELECT 1 FROM {DEFAULT} WHERE timestamp >= :start AND timestamp < :end LIMIT 1"
)


async def partition_days(connection: AsyncConnection) -> set[date]:
    names = await connection.scalars(DAYS_SQL, {"parent": PARENT, "prefix": PREFIX + "%"})
    return {datetime.strptime(name[len(PREFIX) :], "%Y%m%d").date() for name in names}


async def ensure_partitions(connection: AsyncConnection, today: date) -> list[date]:
    """Create the missing day partitions from yesterday to ``AHEAD_DAYS`` after ``today``;
    returns the days created. A day whose records already sit in the default partition is left
    there (PostgreSQL refuses a partition whose rows the default holds) and logged."""
    existing = await partition_days(connection)
    created: list[date] = []
    for offset in range(-1, AHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        if day in existing:
            continue
        bounds = {"start": day_start(day), "end": day_start(day + timedelta(days=1))}
        if (await connection.execute(DEFAULT_HOLDS_SQL, bounds)).first() is not None:
            log.warning("activity partitions: %s has records in the default partition", day)
            continue
        await connection.execute(text(create_day_sql(day)))
        created.append(day)
    if created:
        await connection.exec_driver_sql(NAME_INDEXES_SQL)
    return created


class PartitionJob:
    """Keeps the day partitions ahead, on every process; the lease lets one run a pass."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], now: Callable[[], datetime]
    ) -> None:
        self.sessionmaker = sessionmaker
        self.now = now
        self.holder = secrets.token_hex(8)

    async def run_once(self) -> list[date] | None:
        """One pass: the days created, or None when another process holds the lease."""
        if not await take_lease(self.sessionmaker, LEASE, self.holder, self.now(), LEASE_PERIOD):
            return None
        try:
            async with self.sessionmaker() as session, session.begin():
                connection = await session.connection()
                return await ensure_partitions(connection, self.now().astimezone(UTC).date())
        finally:
            await release_lease(self.sessionmaker, LEASE, self.holder)

    async def run_forever(self, interval_s: float) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # a failed pass is retried at the next interval
                log.exception("activity partitions: pass failed")
            await asyncio.sleep(interval_s)
