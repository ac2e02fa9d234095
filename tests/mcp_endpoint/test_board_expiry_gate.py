"""On SQLite the board's lazy expiry queues at the process's write gate; a board waiting there
must not hold a pooled connection, or boards could take every connection while the gate's
holder waits for one."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text

from agent_activity.config import Settings
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.mcp_endpoint.conftest import mcp_client
from tests.mcp_endpoint.test_presence_flow import activity, make_ticket

pytestmark = pytest.mark.parametrize("dialect", ["sqlite"])  # PostgreSQL's gate is open


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Two connections in all (one pooled, one more in a burst); the token stays remembered
    # past the timeout, so authenticating needs none.
    return Settings(
        database_url=database_url,
        rate_limit_per_minute=0,
        request_log_enabled=False,
        database_pool_size=1,
        auth_cache_s=3600,
    )


async def test_boards_queued_to_end_sessions_hold_no_connection(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, clock: FakeClock, runtime: Runtime
) -> None:
    ticket = await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
    await runtime.touches.flush()
    clock.advance(runtime.settings.session_timeout_s + 1)

    async def select_one() -> int:
        async with runtime.sessionmaker() as session:
            return int((await session.execute(text("SELECT 1"))).scalar_one())

    async with runtime.write_gate:
        boards = [asyncio.create_task(activity(client, tenant)) for _ in range(2)]
        await asyncio.sleep(0.5)  # both have read, found the session due and queued here
        assert not any(board.done() for board in boards)
        # The gate's holder still gets a connection: the queued boards gave theirs back.
        assert await asyncio.wait_for(select_one(), 5) == 1
    for body in await asyncio.gather(*boards):
        assert body["sessions"] == []
        [entry] = body["session_history"]
        assert entry["ticket_id"] == ticket["id"]
