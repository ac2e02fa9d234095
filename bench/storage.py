"""A fresh database per run, and raw access to it with no service in between.

`RawStore` writes rows the way the storage's own bulk paths do (one `executemany` per batch on
SQLite, `COPY` on PostgreSQL, both with the rollup upsert in the same transaction) and runs the
raw SQL the query scenarios compare against. Values are converted to exactly what SQLAlchemy
stores (checked by the harness's test), so the service reads these rows like its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine

from agent_activity.db.driver_rows import TableLayout, Tuples
from agent_activity.db.migrate import upgrade
from bench.layout import PreparedRecords, Preparer

ROLLUP_COLUMNS = (
    "org_id, scope_type, scope_id, span, bucket_start, action, resource_type, "
    "requests, successes, duration_sum_ms, duration_count, tokens"
)
ROLLUP_UPSERT = f"""
INSERT INTO activity_rollups ({ROLLUP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (org_id, scope_type, scope_id, span, bucket_start, action, resource_type) DO UPDATE SET
  requests = activity_rollups.requests + excluded.requests,
  successes = activity_rollups.successes + excluded.successes,
  duration_sum_ms = activity_rollups.duration_sum_ms + excluded.duration_sum_ms,
  duration_count = activity_rollups.duration_count + excluded.duration_count,
  tokens = activity_rollups.tokens + excluded.tokens
"""


@dataclass(frozen=True)
class Database:
    engine: str  # sqlite | postgresql
    url: str  # SQLAlchemy URL, what the server is given
    name: str  # the PostgreSQL database, or the SQLite file


class RawStore(Preparer):
    """Raw writes and queries on one database, over one connection."""

    async def write_records(self, rows: Sequence[dict[str, Any]]) -> None:
        """Records and their rollup increments, in one transaction."""
        await self.write_prepared_records(self.prepare_records(rows))

    async def write_runs(self, rows: Sequence[dict[str, Any]]) -> None:
        await self.write_prepared_runs(self.prepare_runs(rows))

    async def write_prepared_records(self, prepared: PreparedRecords) -> None:
        raise NotImplementedError

    async def write_prepared_runs(self, runs: Tuples) -> None:
        raise NotImplementedError

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        """Run ``sql`` (``?`` placeholders) and return all its rows."""
        raise NotImplementedError

    async def settle(self) -> None:
        """After a bulk load: bring the database to the state it reaches in service."""

    async def close(self) -> None:
        raise NotImplementedError


class SqliteStore(RawStore):
    def __init__(self, path: Path, *, bulk: bool = False) -> None:
        super().__init__("sqlite")
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # The service's own pragmas (db/engine.py), so the raw limit has its durability.
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
            self.connection.execute(f"PRAGMA {pragma}")
        if bulk:  # loading the data set is set-up, not a measurement: a bigger cache is fair
            self.connection.execute("PRAGMA cache_size=-1000000")

    def _insert(self, layout: TableLayout) -> str:
        marks = ", ".join("?" for _ in layout.columns)
        names = ", ".join(f'"{name}"' for name in layout.columns)
        return f"INSERT INTO {layout.table} ({names}) VALUES ({marks})"

    # Every call runs in a worker thread. Waiting on SQLite's lock in the event loop's thread
    # would deadlock with a service in the same process (the test suite's), whose writer holds
    # the lock across awaits and needs that loop to finish its transaction.

    async def write_prepared_records(self, prepared: PreparedRecords) -> None:
        await asyncio.to_thread(
            self._write,
            [
                (self._insert(self.records), prepared.records),
                (ROLLUP_UPSERT, prepared.rollups),
            ],
        )

    async def write_prepared_runs(self, runs: Tuples) -> None:
        await asyncio.to_thread(self._write, [(self._insert(self.runs), runs)])

    def _write(self, statements: Sequence[tuple[str, Tuples]]) -> None:
        with self.connection:
            # IMMEDIATE: take the write lock first, so busy_timeout waits for another writer
            # (a deferred BEGIN that finds a newer commit fails at once with SQLITE_BUSY).
            self.connection.execute("BEGIN IMMEDIATE")
            for sql, rows in statements:
                self.connection.executemany(sql, rows)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        values = [self.value(p) for p in params]
        return await asyncio.to_thread(lambda: self.connection.execute(sql, values).fetchall())

    async def close(self) -> None:
        self.connection.close()


def numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, ...`` (our SQL has no ``?`` in literals)."""
    parts = sql.split("?")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], start=1)) + parts[-1]


class PostgresStore(RawStore):
    def __init__(self, connection: asyncpg.Connection) -> None:
        super().__init__("postgresql")
        self.connection = connection

    @classmethod
    async def connect(cls, dsn: str) -> PostgresStore:
        return cls(await asyncpg.connect(dsn))

    async def write_prepared_records(self, prepared: PreparedRecords) -> None:
        async with self.connection.transaction():
            await self.connection.copy_records_to_table(
                self.records.table, records=prepared.records, columns=self.records.columns
            )
            await self.connection.executemany(numbered(ROLLUP_UPSERT), prepared.rollups)

    async def write_prepared_runs(self, runs: Tuples) -> None:
        async with self.connection.transaction():
            await self.connection.copy_records_to_table(
                self.runs.table, records=runs, columns=self.runs.columns
            )

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        return list(await self.connection.fetch(numbered(sql), *params))

    async def settle(self) -> None:
        # Autovacuum would get there in its own time: statistics for the planner, and the
        # visibility map that lets index-only scans skip the table. Right after a bulk load
        # neither exists yet, and the measured plans would be ones no running service has.
        tables = (self.records.table, self.runs.table, "activity_rollups", "ticket_usage")
        for table in (*tables, "work_intervals"):
            await self.connection.execute(f"VACUUM (ANALYZE) {table}")

    async def close(self) -> None:
        await self.connection.close()


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def create_database(engine: str, workdir: Path, postgres_url: str) -> Database:
    """A new, migrated, empty database."""
    if engine == "sqlite":
        path = workdir / "bench.db"
        database = Database("sqlite", f"sqlite+aiosqlite:///{path}", str(path))
    else:
        name = f"aa_bench_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(postgres_url)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        base = postgres_url.rpartition("/")[0].replace("postgresql://", "postgresql+asyncpg://")
        database = Database("postgresql", f"{base}/{name}", name)
    sa_engine = create_async_engine(database.url)
    try:
        await upgrade(sa_engine)
    except BaseException:  # stopped or failed while migrating: leave no database behind
        await sa_engine.dispose()
        await drop_database(database, postgres_url)
        raise
    await sa_engine.dispose()
    return database


def remove_sqlite_files(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


async def drop_database(database: Database, postgres_url: str) -> None:
    if database.engine == "sqlite":
        remove_sqlite_files(database.name)
        return
    admin = await asyncpg.connect(postgres_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
    finally:
        await admin.close()


async def open_store(database: Database, *, bulk: bool = False) -> RawStore:
    if database.engine == "sqlite":
        return SqliteStore(Path(database.name), bulk=bulk)
    return await PostgresStore.connect(asyncpg_dsn(database.url))
