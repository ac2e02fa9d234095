"""The one-hop SQLite cursor answers SQLAlchemy exactly as aiosqlite's own adapter does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from agent_activity.db.sqlite_driver import one_hop_dbapi

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), unique=True, nullable=False),
    Column("size", Integer, nullable=False),
)


@pytest.fixture(params=["one hop", "aiosqlite"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    options: dict[str, Any] = {"module": one_hop_dbapi()} if request.param == "one hop" else {}
    created = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", **options)
    async with created.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield created
    await created.dispose()


async def test_rows_counts_and_returning(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        result = await connection.execute(insert(items).values(name="a", size=1))
        assert result.inserted_primary_key == (1,)
        many = await connection.execute(insert(items), [{"name": n, "size": 2} for n in "bcd"])
        assert many.rowcount == 3
        changed = await connection.execute(update(items).where(items.c.size == 2).values(size=3))
        assert changed.rowcount == 3
        returned = await connection.execute(
            update(items).where(items.c.size == 3).values(size=4).returning(items.c.name)
        )
        assert sorted(returned.scalars()) == ["b", "c", "d"]
        rows = (await connection.execute(select(items).order_by(items.c.id))).all()
        assert [tuple(row) for row in rows] == [(1, "a", 1), (2, "b", 4), (3, "c", 4), (4, "d", 4)]
        assert (await connection.execute(select(items).where(items.c.id == 9))).first() is None
        raw = await connection.exec_driver_sql("SELECT name FROM items WHERE size = ?", (4,))
        assert raw.scalars().all() == ["b", "c", "d"]


async def test_a_transaction_rolled_back_leaves_nothing(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(insert(items).values(name="a", size=1))
        await connection.rollback()
        assert (await connection.execute(select(items))).all() == []


async def test_driver_errors_reach_sqlalchemy_as_its_own(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(items).values(name="a", size=1))
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert(items).values(name="a", size=2))
    with pytest.raises(OperationalError):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT nope FROM items"))
    async with engine.connect() as connection:  # the pool's connections still work
        assert (await connection.execute(select(items.c.name))).scalars().all() == ["a"]


async def test_streamed_results_keep_their_own_cursor(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(items), [{"name": f"n{i}", "size": i} for i in range(50)])
    async with engine.connect() as connection:
        stream = await connection.stream(select(items.c.size).order_by(items.c.size))
        sizes = [row[0] async for row in stream]
    assert sizes == list(range(50))


# perf_contract: a read-only SQLite transaction ends without a trip to the driver thread.
# It counts trips by wrapping aiosqlite's private _execute: it breaks first when aiosqlite
# changes, as db/sqlite_driver.py would.
@pytest.mark.perf_contract
async def test_a_read_only_transaction_ends_without_a_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read commits and is returned to the pool (which rolls back) without visiting the
    connection's thread again; a write's commit and rollback still happen."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", module=one_hop_dbapi())
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    calls: list[str] = []
    execute: Any = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    try:
        async with engine.connect() as connection:
            await connection.execute(select(items))
            await connection.commit()
        assert calls == ["_run"]

        calls.clear()
        async with engine.connect() as connection:
            await connection.execute(insert(items).values(name="kept", size=1))
            await connection.commit()
            await connection.execute(insert(items).values(name="undone", size=2))
            await connection.rollback()
        assert calls == ["_run", "commit", "_run", "rollback"]
        async with engine.connect() as connection:
            names = (await connection.execute(select(items.c.name))).scalars().all()
        assert names == ["kept"]
    finally:
        await engine.dispose()
