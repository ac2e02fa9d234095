"""PostgreSQL connections are pinged before reuse only after sitting idle; a connection the
server closed meanwhile is replaced, and the request that checked it out never sees it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from agent_activity.config import Settings
from agent_activity.db.engine import create_engine


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("postgres_database")
    return url


def engine_for(url: str, idle_s: float) -> AsyncEngine:
    return create_engine(Settings(database_url=url, database_ping_after_idle_s=idle_s))


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every ping the dialect sends."""
    seen: list[object] = []
    original: Any = PGDialect_asyncpg.do_ping

    def counted(self: PGDialect_asyncpg, connection: object) -> bool:
        seen.append(connection)
        return bool(original(self, connection))

    monkeypatch.setattr(PGDialect_asyncpg, "do_ping", counted)
    yield seen


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_in_steady_use_is_not_pinged(
    postgres_url: str, pings: list[object]
) -> None:
    engine = engine_for(postgres_url, idle_s=60)
    pids = {await backend_pid(engine) for _ in range(5)}
    await engine.dispose()
    assert len(pids) == 1  # the same connection, reused
    assert pings == []


async def test_an_idle_connection_is_pinged_before_reuse(
    postgres_url: str, pings: list[object]
) -> None:
    engine = engine_for(postgres_url, idle_s=0)  # every reuse counts as idle
    first = await backend_pid(engine)
    assert pings == []  # a new connection needs no ping
    assert await backend_pid(engine) == first
    await engine.dispose()
    assert len(pings) == 1


async def test_an_idle_connection_the_server_closed_is_replaced_unseen(
    postgres_url: str, pings: list[object]
) -> None:
    engine = engine_for(postgres_url, idle_s=0)
    lost = await backend_pid(engine)
    other = engine_for(postgres_url, idle_s=60)
    async with other.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
    await other.dispose()
    replacement = await backend_pid(engine)  # no error: the ping found it closed
    await engine.dispose()
    assert replacement != lost
    assert len(pings) == 1
