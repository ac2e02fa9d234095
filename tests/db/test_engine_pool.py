"""The writer and reader engines (db/engine.py): on SQLite one writer connection that every
writer of the process waits for in turn, and read-only readers that a write never waits for."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool

from agent_activity.config import Settings
from agent_activity.db.engine import Engines
from agent_activity.runtime import Runtime


@pytest.fixture
async def numbers(runtime: Runtime) -> AsyncIterator[str]:
    """A table of this test's own (the PostgreSQL database is shared by the run's tests)."""
    name = f"numbers_{uuid.uuid4().hex}"
    async with runtime.engine.begin() as connection:
        await connection.execute(text(f"CREATE TABLE {name} (n INTEGER PRIMARY KEY)"))
    yield name
    async with runtime.engine.begin() as connection:
        await connection.execute(text(f"DROP TABLE {name}"))


async def test_a_write_commits_while_a_long_read_is_open(runtime: Runtime, numbers: str) -> None:
    async with runtime.read_sessionmaker() as reads:
        await reads.execute(text(f"SELECT count(*) FROM {numbers}"))  # holds a reader connection
        async with runtime.sessionmaker() as session:
            await session.execute(text(f"INSERT INTO {numbers} (n) VALUES (1)"))
            await asyncio.wait_for(session.commit(), 5)
        assert (await reads.execute(text(f"SELECT count(*) FROM {numbers}"))).scalar() == 1


async def test_concurrent_writers_from_many_tasks_all_commit(
    runtime: Runtime, numbers: str
) -> None:

    async def write(n: int) -> None:
        async with runtime.sessionmaker() as session:
            await session.execute(text(f"SELECT count(*) FROM {numbers}"))
            await asyncio.sleep(0)  # let the others queue meanwhile
            await session.execute(text(f"INSERT INTO {numbers} (n) VALUES (:n)"), {"n": n})
            await session.commit()

    await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(60))), 30)
    async with runtime.read_sessionmaker() as reads:
        stored = (await reads.execute(text(f"SELECT n FROM {numbers} ORDER BY n"))).scalars()
        assert list(stored) == list(range(60))


@pytest.mark.parametrize("dialect", ["sqlite"])  # PostgreSQL's reader is its one engine
async def test_a_reader_session_cannot_write(runtime: Runtime, numbers: str) -> None:
    async with runtime.read_sessionmaker() as reads:
        with pytest.raises(OperationalError, match="readonly"):
            await reads.execute(text(f"INSERT INTO {numbers} (n) VALUES (1)"))
    async with runtime.read_sessionmaker() as reads:
        assert (await reads.execute(text(f"SELECT count(*) FROM {numbers}"))).scalar() == 0


@pytest.mark.parametrize("dialect", ["sqlite"])
async def test_the_sqlite_writer_holds_exactly_one_connection(runtime: Runtime) -> None:
    opened: list[int] = []
    event.listen(runtime.engine.sync_engine, "connect", lambda _c, _r: opened.append(1))
    await runtime.engine.dispose()
    held = asyncio.Event()

    async def hold_then_release() -> None:
        async with runtime.sessionmaker() as session:
            await session.execute(text("SELECT 1"))
            held.set()
            await asyncio.sleep(0.2)

    async def wait_for_it() -> float:
        await held.wait()
        started = asyncio.get_running_loop().time()
        async with runtime.sessionmaker() as session:
            await session.execute(text("SELECT 1"))
        return asyncio.get_running_loop().time() - started

    _, waited = await asyncio.gather(hold_then_release(), wait_for_it())
    assert waited > 0.1  # the second writer waited for the first one's connection
    assert len(opened) == 1


async def test_an_in_memory_sqlite_database_is_one_engine_that_keeps_its_data() -> None:
    engines = Engines.of(Settings(database_url="sqlite+aiosqlite://"))
    assert engines.reader is engines.writer
    async with engines.writer.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER)"))
        await connection.execute(text("INSERT INTO t VALUES (1)"))
    async with engines.reader.connect() as connection:
        assert (await connection.execute(text("SELECT n FROM t"))).scalar() == 1
    await engines.dispose()


async def test_postgresql_has_one_engine_for_both() -> None:
    settings = Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    engines = Engines.of(settings)
    assert engines.reader is engines.writer
    await engines.dispose()


def test_the_engines_are_built_for_the_tested_sqlalchemy(tmp_path: Path) -> None:
    # The writer's pool of one is SQLAlchemy's queue pool given explicitly for SQLite; the
    # reader's URL passes ``mode=ro`` through the dialect's ``uri`` option, and its sessions end
    # without a rollback by ``skip_autocommit_rollback`` (2.0.43 on): checked again on the next
    # SQLAlchemy.
    assert sqlalchemy.__version__.startswith(("2.0.", "2.1.")), sqlalchemy.__version__
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    engines = Engines.of(settings)
    pool = engines.writer.pool
    assert isinstance(pool, QueuePool) and pool.size() == 1
    assert engines.reader.dialect.skip_autocommit_rollback
    assert engines.reader.url.query == {"mode": "ro", "uri": "true"}
