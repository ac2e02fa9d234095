"""A SQLite file's engine keeps its connections: a burst no larger than the pool opens each
connection once, and one request at a time reuses the connection returned last."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from agent_activity.config import Settings
from agent_activity.db.engine import create_engine


async def connects_over_two_bursts(engine: AsyncEngine, width: int) -> int:
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda connection, _record: opened.append(1))
    started = asyncio.Event()
    busy = 0

    async def hold() -> None:
        nonlocal busy
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            busy += 1
            if busy == width:
                started.set()
            await started.wait()  # all ``width`` connections are out at once

    for _ in range(2):
        busy = 0
        started.clear()
        await asyncio.gather(*(hold() for _ in range(width)))
    await engine.dispose()
    return len(opened)


# perf_contract: no connection churn (reopening SQLite connections cost the request log).
@pytest.mark.perf_contract
async def test_a_sqlite_file_keeps_as_many_connections_as_the_pool_size(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    assert settings.database_pool_size >= 9  # eight requests at once and the request log
    engine = create_engine(settings)
    assert await connects_over_two_bursts(engine, settings.database_pool_size) == (
        settings.database_pool_size
    )


# perf_contract: no connection churn after a burst (the request log's cost).
@pytest.mark.perf_contract
async def test_a_burst_past_the_pool_opens_only_the_extra_connections_again(
    tmp_path: Path,
) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", database_pool_size=3
    )
    # Five at once, twice: three kept, two opened and closed each time.
    assert await connects_over_two_bursts(create_engine(settings), 5) == 3 + 2 + 2


async def test_an_in_memory_sqlite_database_still_opens(tmp_path: Path) -> None:
    engine = create_engine(Settings(database_url="sqlite+aiosqlite://"))
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    await engine.dispose()


# perf_contract: the warm page cache of the last connection, for read latency.
@pytest.mark.perf_contract
async def test_one_request_at_a_time_keeps_using_the_warmest_sqlite_connection(
    tmp_path: Path,
) -> None:
    """After a burst opened several connections, requests one at a time reuse the connection
    returned last (its page cache is warm) instead of rotating through all of them."""
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"))
    async with engine.connect() as a, engine.connect() as b, engine.connect() as c:
        for connection in (a, b, c):
            await connection.execute(text("SELECT 1"))
    used = []
    for _ in range(6):
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            used.append(id(raw.driver_connection))
    await engine.dispose()
    assert len(set(used)) == 1
