"""An interval's time is counted once however it ends: two processes ending it at once, or the
client closing its MCP session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from agent_activity.domain.presence.sessions import close_open_intervals
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.mcp_endpoint.conftest import LEGACY, mcp_client, serve
from tests.mcp_endpoint.test_presence_flow import make_ticket
from tests.tickets.arrange import make_board, start, usage_of


@pytest.fixture
async def mcp_url(app: FastAPI) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


async def agent_time(client: httpx.AsyncClient, tenant: Tenant) -> float:
    return float((await usage_of(client, tenant))["agent_time_s"])


@pytest.mark.parametrize("dialect", ["postgresql"])  # SQLite has one writer: no such race
async def test_two_processes_ending_one_interval_count_its_time_once(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    begin = clock()
    board = await make_board(runtime, tenant, begin)
    await start(runtime, board, 0, 0, begin)
    async with runtime.sessionmaker() as first, runtime.sessionmaker() as second:
        await close_open_intervals(first, board.agents[0], begin + timedelta(seconds=60))
        # The second reads the interval still open, then waits on the first's row lock.
        racing = asyncio.create_task(
            close_open_intervals(second, board.agents[0], begin + timedelta(seconds=90))
        )
        await asyncio.sleep(0.3)
        await first.commit()
        await racing
        await second.commit()
    clock.advance(300)
    assert await agent_time(client, tenant) == 60.0


async def test_closing_the_mcp_session_counts_its_open_work(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, clock: FakeClock
) -> None:
    await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id, mode=LEGACY) as agent:
        started = await agent.call_tool("start_work", {"ticket": 1, "role": "dev"})
        assert not started.is_error
        clock.advance(45)
    # Leaving the client sent DELETE with its session id: the session and its work ended.
    clock.advance(300)
    assert await agent_time(client, tenant) == 45.0
