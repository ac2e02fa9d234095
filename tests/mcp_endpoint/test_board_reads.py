"""The board's reads (files 000 and 001) run without a transaction on PostgreSQL, as the other
reads do; the rare write they may need, ending a session silent past the timeout, runs in a
transaction of its own, so the session ends with its work interval closed, both or neither.
On SQLite that write waits for the writer engine's one connection; a board waiting for it holds
no reader connection, so a burst of such boards cannot take every reader meanwhile."""

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


@pytest.fixture
def settings(database_url: str) -> Settings:
    # No request-log writer: its flushes would begin transactions of their own meanwhile. The
    # token remembered past the timeout: reading it again would take a transaction and a
    # connection too. Two connections in all (one pooled, one more in a burst).
    return Settings(
        database_url=database_url,
        rate_limit_per_minute=0,
        request_log_enabled=False,
        auth_cache_s=3600,
        database_pool_size=1,
    )


# perf_contract: the board reads without BEGIN/COMMIT on PostgreSQL (its p99 target).
@pytest.mark.perf_contract
@pytest.mark.parametrize("dialect", ["postgresql"])
async def test_the_board_reads_without_a_transaction_and_expires_in_one(
    client: httpx.AsyncClient,
    mcp_url: str,
    tenant: Tenant,
    clock: FakeClock,
    runtime: Runtime,
    transactions: list[str],
) -> None:
    ticket = await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
    await runtime.touches.flush()
    transactions.clear()

    board = await activity(client, tenant)
    batch = await client.post(
        "/api/projects/agent-activity/batch",
        json={"project_ids": [str(tenant.project_id)]},
        headers=tenant.headers,
    )
    assert transactions == []
    assert batch.status_code == 200, batch.text
    [live] = board["sessions"]
    assert live["ticket_id"] == ticket["id"] and board["session_history"] == []
    assert batch.json()["results"][0]["sessions"] == board["sessions"]

    clock.advance(runtime.settings.session_timeout_s + 1)
    board = await activity(client, tenant)
    assert transactions == ["BEGIN"]  # the expiry's, and only when a session was due
    assert board["sessions"] == []
    [entry] = board["session_history"]
    assert entry["ticket_id"] == ticket["id"]
    assert entry["duration_seconds"] == 0  # ended at its last activity, the start_work
    transactions.clear()
    assert (await activity(client, tenant))["session_history"] == board["session_history"]
    assert transactions == []


@pytest.mark.parametrize("dialect", ["sqlite"])  # PostgreSQL has no single writer
async def test_boards_waiting_to_end_sessions_hold_no_reader(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, clock: FakeClock, runtime: Runtime
) -> None:
    ticket = await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
    await runtime.touches.flush()
    clock.advance(runtime.settings.session_timeout_s + 1)

    async def select_one() -> int:
        async with runtime.read_sessionmaker() as session:
            return int((await session.execute(text("SELECT 1"))).scalar_one())

    async with runtime.sessionmaker() as holder:
        await holder.execute(text("SELECT 1"))  # the writer's one connection, taken
        boards = [asyncio.create_task(activity(client, tenant)) for _ in range(2)]
        await asyncio.sleep(0.5)  # both have read, found the session due and wait for it
        assert not any(board.done() for board in boards)
        # Two readers at most (one pooled, one more in a burst): the waiting boards hold none.
        for _ in range(3):
            assert await asyncio.wait_for(select_one(), 5) == 1
        selects = [asyncio.create_task(select_one()) for _ in range(2)]
        assert await asyncio.wait_for(asyncio.gather(*selects), 5) == [1, 1]
    for body in await asyncio.gather(*boards):
        assert body["sessions"] == []
        [entry] = body["session_history"]
        assert entry["ticket_id"] == ticket["id"]
