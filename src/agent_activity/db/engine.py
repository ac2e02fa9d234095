"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AbstractAsyncContextManager
from typing import Any

import orjson
from sqlalchemy import event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from agent_activity.config import Settings
from agent_activity.db.idle_ping import ping_after_idle
from agent_activity.db.sqlite_driver import one_hop_dbapi


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # WAL lets readers run while the request-log writer commits; busy_timeout makes
    # concurrent writers wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.database_url
    # JSON columns (token usage, metadata) are read on every feed row; orjson parses them several
    # times faster than the standard library. Writing keeps SQLAlchemy's default encoder.
    options: dict[str, Any] = {"json_deserializer": orjson.loads}
    # The pool keeps ``database_pool_size`` connections open and opens as many more under a
    # burst, closing those when they come back. On SQLite a new connection is a new thread, four
    # PRAGMAs, the schema parsed again and an empty page cache: with SQLAlchemy's default of five
    # kept, a server answering eight requests at once plus the request log's writer opened and
    # closed connections all the time, a large part of what the request log cost (README,
    # "Connections stay open").
    pooled = {"pool_size": settings.database_pool_size, "max_overflow": settings.database_pool_size}
    if url.startswith("sqlite"):
        # A file has no connection to lose, so no ping before each checkout. One thread hop
        # per statement rather than four (db/sqlite_driver.py). An in-memory database lives in
        # its one connection, which SQLAlchemy keeps itself (no pool size to set).
        if _is_sqlite_file(url):
            # The connection returned last is taken first: at low load one connection serves
            # request after request with a warm page cache, rather than each request taking the
            # one that sat longest, whose cache the writer's commits have since invalidated
            # (server CPU per request 3 to 8% lower side by side).
            pooled["pool_use_lifo"] = True
        else:
            pooled = {}
        engine = create_async_engine(url, module=one_hop_dbapi(), **options, **pooled)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(url, **options, **pooled)
    ping_after_idle(engine, settings.database_ping_after_idle_s)
    return engine


def reachable_from_other_processes(url: str) -> bool:
    """Whether another process can open this database (not an in-memory SQLite one)."""
    return not url.startswith("sqlite") or _is_sqlite_file(url)


def _is_sqlite_file(url: str) -> bool:
    database = make_url(url).database
    return bool(database) and database != ":memory:" and not str(database).startswith("file::")


def create_write_gate(settings: Settings) -> AbstractAsyncContextManager[Any]:
    """What hot write paths enter around their transaction.

    SQLite has one writer at a time, and a writer that finds the lock taken sleeps in SQLite's
    busy handler for growing intervals; under hundreds of concurrent MCP calls those sleeps
    collapse throughput. Queueing this process's writers on an asyncio lock instead keeps them
    in order and awake. PostgreSQL locks rows, so there the gate is open.
    """
    if settings.database_url.startswith("sqlite"):
        return asyncio.Lock()
    return contextlib.nullcontext()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that only read.

    On PostgreSQL their statements run outside a transaction (autocommit): no BEGIN before the
    first read and no COMMIT or ROLLBACK after the last, two round trips of a feed page's four.
    Each statement already had its own snapshot (READ COMMITTED), so nothing a reader sees
    changes. The pool is the engine's; the setting is the driver's own flag on the checked-out
    connection, put back when it returns. SQLite ends a read-only transaction without a trip
    already (db/sqlite_driver.py), so there the sessions are the usual ones.
    """
    if engine.dialect.name == "sqlite":
        return create_sessionmaker(engine)
    return create_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))
