"""A fresh database per run, and raw access to it with no service in between.

`RawStore` writes rows the way the storage's own bulk paths do (one `executemany` per batch on
SQLite, `COPY` on PostgreSQL, both with the rollup upsert in the same transaction) and runs the
raw SQL the query scenarios compare against. Values are converted to exactly what SQLAlchemy
stores (checked by the harness's test), so the service reads these rows like its own.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import JSON, Boolean, Uuid
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import create_async_engine

from agent_activity.db.base import UTCDateTime
from agent_activity.db.migrate import upgrade
from agent_activity.db.models import ActivityRecord, AgentRun
from agent_activity.ingest.rollups import aggregate

Converter = Callable[[Any], Any]
ROLLUP_COLUMNS = (
    "org_id, scope_type, scope_id, bucket_start, action, resource_type, "
    "requests, successes, duration_sum_ms, duration_count, tokens"
)
ROLLUP_UPSERT = f"""
INSERT INTO activity_rollups ({ROLLUP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (org_id, scope_type, scope_id, bucket_start, action, resource_type) DO UPDATE SET
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


def sqlite_timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"


def sqlite_uuid(value: uuid.UUID | str | None) -> str | None:
    if value is None:
        return None
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(value).hex


def pg_uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(value)


def to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _identity(value: Any) -> Any:
    return value


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def converter(column_type: Any, dialect: str) -> Converter:
    sqlite = dialect == "sqlite"
    if isinstance(column_type, Uuid):
        return sqlite_uuid if sqlite else pg_uuid
    if isinstance(column_type, UTCDateTime):
        return sqlite_timestamp if sqlite else _identity
    if isinstance(column_type, JSON):
        return to_json
    if isinstance(column_type, Boolean) and sqlite:
        return _sqlite_bool
    return _identity


@dataclass(frozen=True)
class TableLayout:
    """A model's table: attribute keys of the rows, column names, and per-column converters."""

    table: str
    attributes: list[str]
    columns: list[str]
    converters: list[Converter]

    @classmethod
    def of(cls, model: type[Any], dialect: str) -> TableLayout:
        attributes = list(sa_inspect(model).column_attrs)
        return cls(
            table=model.__tablename__,
            attributes=[a.key for a in attributes],
            columns=[a.columns[0].name for a in attributes],
            converters=[converter(a.columns[0].type, dialect) for a in attributes],
        )

    def tuples(self, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        pairs = list(zip(self.attributes, self.converters, strict=True))
        return [tuple(convert(row.get(key)) for key, convert in pairs) for row in rows]


class RawStore:
    """Raw writes and queries on one database, over one connection."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.records = TableLayout.of(ActivityRecord, dialect)
        self.runs = TableLayout.of(AgentRun, dialect)

    def value(self, value: Any) -> Any:
        """A query parameter as the storage holds it (uuids and timestamps differ on SQLite)."""
        if self.dialect == "sqlite":
            if isinstance(value, uuid.UUID):
                return value.hex
            if isinstance(value, datetime):
                return sqlite_timestamp(value)
            if isinstance(value, bool):
                return int(value)
        return value

    def rollup_tuples(self, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """The service's own rollup increments for ``rows`` (agent_activity.ingest.rollups)."""
        increments = aggregate(rows)
        return [
            (
                self.value(org),
                scope,
                scope_id,
                self.value(bucket),
                action,
                resource,
                int(requests),
                int(successes),
                float(duration_sum),
                int(duration_count),
                int(tokens),
            )
            for (org, scope, scope_id, bucket, action, resource), (
                requests,
                successes,
                duration_sum,
                duration_count,
                tokens,
            ) in sorted(increments.items(), key=lambda item: str(item[0]))
        ]

    async def write_records(self, rows: Sequence[dict[str, Any]]) -> None:
        """Records and their rollup increments, in one transaction."""
        raise NotImplementedError

    async def write_runs(self, rows: Sequence[dict[str, Any]]) -> None:
        raise NotImplementedError

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        """Run ``sql`` (``?`` placeholders) and return all its rows."""
        raise NotImplementedError

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

    async def write_records(self, rows: Sequence[dict[str, Any]]) -> None:
        with self.connection:
            self.connection.execute("BEGIN")
            self.connection.executemany(self._insert(self.records), self.records.tuples(rows))
            self.connection.executemany(ROLLUP_UPSERT, self.rollup_tuples(rows))

    async def write_runs(self, rows: Sequence[dict[str, Any]]) -> None:
        with self.connection:
            self.connection.execute("BEGIN")
            self.connection.executemany(self._insert(self.runs), self.runs.tuples(rows))

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        return self.connection.execute(sql, [self.value(p) for p in params]).fetchall()

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

    async def write_records(self, rows: Sequence[dict[str, Any]]) -> None:
        async with self.connection.transaction():
            await self.connection.copy_records_to_table(
                self.records.table, records=self.records.tuples(rows), columns=self.records.columns
            )
            await self.connection.executemany(numbered(ROLLUP_UPSERT), self.rollup_tuples(rows))

    async def write_runs(self, rows: Sequence[dict[str, Any]]) -> None:
        async with self.connection.transaction():
            await self.connection.copy_records_to_table(
                self.runs.table, records=self.runs.tuples(rows), columns=self.runs.columns
            )

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        return list(await self.connection.fetch(numbered(sql), *params))

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
    finally:
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
