"""Engines and session factories for SQLite (default) and PostgreSQL.

On SQLite a process has two engines. The writer's pool holds exactly one connection, so the
pool is the queue of the process's writers: a session takes the connection at its first
statement and gives it back when it ends, and no two transactions of this process ever meet
SQLite's lock. The reader's connections are opened read-only (``mode=ro``) and, in WAL mode,
read while the writer commits. PostgreSQL locks rows, so there both names are one engine.

Two rules follow from a writer pool of one (docs/storage.md, "Engines"): code holding a writer
session never waits for another writer session (a group commit, a second session), and code
holding a writer session never waits for a reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import URL, event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from agent_activity.config import Settings
from agent_activity.db.idle_ping import ping_after_idle


def _writer_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # WAL lets the reader engine read while this connection commits. (A read-only connection
    # cannot set the journal mode; it reads the writer's WAL.)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_connect_args(settings: Settings) -> dict[str, Any]:
    """The driver's busy timeout, set as each connection opens (before its first pragma): every
    statement waits this long for another process's lock (the request log's helper, a CLI
    command) before SQLite gives up with "database is locked", which is answered 503."""
    return {"timeout": settings.database_busy_timeout_s}


def _json_options() -> dict[str, Any]:
    # JSON columns (token usage, metadata) are read on every feed row; orjson parses them
    # faster than the standard library. Writing keeps SQLAlchemy's default encoder.
    return {"json_deserializer": orjson.loads}


def create_engine(settings: Settings) -> AsyncEngine:
    """The engine that writes: on SQLite, a pool of exactly one connection."""
    url = settings.database_url
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            **_json_options(),
            # Explicit: SQLite's dialect would share one in-memory connection among all callers
            # at once (StaticPool), interleaving their transactions; here each waits its turn.
            poolclass=AsyncAdaptedQueuePool,
            pool_size=1,
            max_overflow=0,
            connect_args=_sqlite_connect_args(settings),
        )
        event.listen(engine.sync_engine, "connect", _writer_pragmas)
        return engine
    engine = create_async_engine(
        url,
        **_json_options(),
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
    )
    ping_after_idle(engine, settings.database_ping_after_idle_s)
    return engine


def create_read_engine(settings: Settings, writer: AsyncEngine) -> AsyncEngine:
    """The engine that only reads: read-only SQLite connections, or ``writer`` itself where a
    second one would not see the same database (PostgreSQL needs none; an in-memory SQLite
    database lives in the writer's one connection)."""
    url = settings.database_url
    if not url.startswith("sqlite") or not _is_sqlite_file(url):
        return writer
    engine = create_async_engine(
        read_only_url(url),
        **_json_options(),
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        # The connection returned last is taken first, its page cache warm.
        pool_use_lifo=True,
        # These connections cannot write, so they run in autocommit and nothing is rolled back
        # when a session ends or a connection returns: each rollback is one more trip to the
        # connection's thread per request.
        isolation_level="AUTOCOMMIT",
        skip_autocommit_rollback=True,
        pool_reset_on_return=None,
        connect_args=_sqlite_connect_args(settings),
    )
    return engine


def read_only_url(url: str) -> URL:
    """A SQLite file's URL opened read-only: SQLite refuses every write on its connections."""
    parsed = make_url(url)
    return parsed.set(
        database=f"file:{parsed.database}", query={**parsed.query, "mode": "ro", "uri": "true"}
    )


@dataclass(frozen=True)
class Engines:
    """The writer and the reader of one process (the same engine off SQLite files)."""

    writer: AsyncEngine
    reader: AsyncEngine

    @classmethod
    def of(cls, settings: Settings) -> Engines:
        writer = create_engine(settings)
        return cls(writer, create_read_engine(settings, writer))

    async def dispose(self) -> None:
        if self.reader is not self.writer:
            await self.reader.dispose()
        await self.writer.dispose()


def reachable_from_other_processes(url: str) -> bool:
    """Whether another process can open this database (not an in-memory SQLite one)."""
    return not url.startswith("sqlite") or _is_sqlite_file(url)


def _is_sqlite_file(url: str) -> bool:
    database = make_url(url).database
    return bool(database) and database != ":memory:" and not str(database).startswith("file::")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that only read, on the reader engine.

    On PostgreSQL their statements run outside a transaction (autocommit): no BEGIN before the
    first read and no COMMIT or ROLLBACK after the last. Each statement already had its own
    snapshot (READ COMMITTED), so nothing a reader sees changes. On SQLite the reader engine's
    connections are in autocommit already (create_read_engine).
    """
    if engine.dialect.name == "sqlite":
        return create_sessionmaker(engine)
    return create_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))
