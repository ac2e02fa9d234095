"""Group commit: writes queued together share one transaction; each caller hears only of its
own outcome, after the commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from agent_activity.config import Settings
from agent_activity.db.engine import create_engine, create_sessionmaker
from agent_activity.db.group_commit import GroupCommit

metadata = MetaData()
numbers = Table("numbers", metadata, Column("n", Integer, primary_key=True))


@pytest.fixture
async def sessionmaker(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'g.db'}"))
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def write_numbers(session: AsyncSession, items: list[int]) -> None:
    await session.execute(insert(numbers), [{"n": n} for n in items])


async def stored(sessionmaker: async_sessionmaker[AsyncSession]) -> list[int]:
    async with sessionmaker() as session:
        return sorted((await session.scalars(select(numbers.c.n))).all())


async def test_writes_waiting_together_share_one_commit(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    writer = GroupCommit("numbers", write_numbers, sessionmaker)
    writer.start()
    async with sessionmaker() as holder:
        # Another writer holds the writer engine's one connection while fifty callers arrive.
        await holder.execute(select(numbers.c.n))
        calls = [asyncio.create_task(writer.write(n)) for n in range(50)]
        await asyncio.sleep(0.05)
        assert not any(call.done() for call in calls)  # none answered before its commit
    await asyncio.gather(*calls)
    await writer.stop()
    assert await stored(sessionmaker) == list(range(50))
    assert writer.batches <= 2


async def test_a_bad_write_fails_alone(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    writer = GroupCommit("numbers", write_numbers, sessionmaker)
    await writer.write(7)  # not started: a transaction of its own
    writer.start()
    outcomes = await asyncio.gather(
        *(writer.write(n) for n in (1, 7, 2, 3)), return_exceptions=True
    )
    await writer.stop()
    assert [type(outcome).__name__ for outcome in outcomes] == [
        "NoneType",
        "IntegrityError",  # 7 is stored already
        "NoneType",
        "NoneType",
    ]
    assert await stored(sessionmaker) == [1, 2, 3, 7]


async def test_a_stop_writes_what_is_queued(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    sessionmaker = create_sessionmaker(engine)
    writer = GroupCommit("numbers", write_numbers, sessionmaker)
    writer.start()
    calls = [asyncio.create_task(writer.write(n)) for n in range(5)]
    await asyncio.sleep(0)
    await writer.stop()
    await asyncio.gather(*calls)
    await writer.write(5)  # after the stop: written at once, in its own transaction
    assert await stored(sessionmaker) == list(range(6))
    await engine.dispose()
