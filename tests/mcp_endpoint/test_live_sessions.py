"""A process remembers the sessions it serves: heartbeats on them read nothing, and what this
process changes is always what they answer with (domain/presence/live.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from mcp import Client
from sqlalchemy import event, select

from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.db.models import AgentSession
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.mcp_endpoint.conftest import LEGACY, mcp_client, serve
from tests.mcp_endpoint.test_presence_flow import activity, make_ticket, z


@contextlib.contextmanager
def session_reads(runtime: Runtime) -> Iterator[list[str]]:
    """The SELECTs on sessions or intervals run on ``runtime``'s engines while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        text = statement.lstrip().upper()
        if text.startswith("SELECT") and ("AGENT_SESSIONS" in text or "WORK_INTERVALS" in text):
            seen.append(statement)

    engines = {runtime.engines.writer.sync_engine, runtime.engines.reader.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


async def working_on(agent: Client) -> Any:
    answer = await agent.call_tool("heartbeat", {})
    assert answer.structured_content is not None, answer
    working = answer.structured_content["working_on"]
    return None if working is None else (working["ticket_id"], working["agent_role"])


# perf_contract: a heartbeat asks the database nothing: the MCP tool-call target at 1,000 agents.
@pytest.mark.perf_contract
async def test_a_heartbeat_on_a_session_served_here_reads_nothing(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, clock: FakeClock, runtime: Runtime
) -> None:
    first = await make_ticket(client, tenant, "One")
    second = await make_ticket(client, tenant, "Two")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id, mode=LEGACY) as agent:
        await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
        clock.advance(5)
        with session_reads(runtime) as reads:
            assert await working_on(agent) == (first["id"], "developer")
            await agent.call_tool("list_tickets", {})
        assert reads == []
        # What this process changes, its memory follows at once.
        await agent.call_tool("start_work", {"ticket": 2, "role": "reviewer"})
        await agent.call_tool("report_progress", {"ticket": 2, "status": "x", "progress_pct": 5})
        with session_reads(runtime) as reads:
            assert await working_on(agent) == (second["id"], "reviewer")
        assert reads == []
        await agent.call_tool("stop_work", {})
        with session_reads(runtime) as reads:
            assert await working_on(agent) is None
        assert reads == []


# perf_contract: one read per newly seen session (the MCP tool-call target).
@pytest.mark.perf_contract
async def test_a_session_first_seen_by_a_read_is_read_once(
    client: httpx.AsyncClient,
    tenant: Tenant,
    clock: FakeClock,
    settings: Settings,
    mcp_url: str,
) -> None:
    ticket = await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
    # Another process, which has never served this session: one read, then none.
    other_app = create_app(settings, clock=clock)
    async with other_app.router.lifespan_context(other_app), serve(other_app) as url:
        other: Runtime = other_app.state.runtime
        async with mcp_client(url, tenant.token, tenant.project_id) as agent:
            with session_reads(other) as reads:
                assert await working_on(agent) == (ticket["id"], "developer")
            assert len(reads) == 1
            clock.advance(3)
            with session_reads(other) as reads:
                assert await working_on(agent) == (ticket["id"], "developer")
            assert reads == []


async def test_another_process_s_change_shows_within_the_cache_time(
    client: httpx.AsyncClient,
    mcp_url: str,
    tenant: Tenant,
    clock: FakeClock,
    settings: Settings,
) -> None:
    await make_ticket(client, tenant, "One")
    second = await make_ticket(client, tenant, "Two")
    other_app: FastAPI = create_app(settings, clock=clock)
    async with (
        other_app.router.lifespan_context(other_app),
        serve(other_app) as other_url,
        mcp_client(mcp_url, tenant.token, tenant.project_id) as here,
        mcp_client(other_url, tenant.token, tenant.project_id) as there,
    ):
        await here.call_tool("start_work", {"ticket": 1, "role": "developer"})
        await working_on(there)  # the other process now remembers ticket 1
        await here.call_tool("start_work", {"ticket": 2, "role": "developer"})
        # The price of the memory, documented: up to live_session_cache_s late there.
        assert settings.live_session_cache_s == 30
        clock.advance(30.5)
        assert await working_on(there) == (second["id"], "developer")


async def test_near_its_timeout_a_remembered_session_is_read_and_touched_at_once(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock, settings: Settings
) -> None:
    ticket = await make_ticket(client, tenant, "One")
    # Remembered longer than the timeout: memory alone would outlive what the database says.
    config = settings.model_copy(update={"session_timeout_s": 60, "live_session_cache_s": 120})
    app = create_app(config, clock=clock)
    async with app.router.lifespan_context(app), serve(app) as url:
        runtime: Runtime = app.state.runtime
        async with mcp_client(url, tenant.token, tenant.project_id) as agent:
            await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
            clock.advance(45)
            with session_reads(runtime) as reads:
                assert await working_on(agent) == (ticket["id"], "developer")
            assert reads == []
            await runtime.touches.flush()
            clock.advance(55)  # 5 s short of the 60 s timeout: within the margin of 10 s
            with session_reads(runtime) as reads:
                assert await working_on(agent) == (ticket["id"], "developer")
            assert reads != []
            assert runtime.touches.pending() == []  # touched in the call's own transaction


# perf_contract: what the live-session cache saves, pinned by its off switch.
@pytest.mark.perf_contract
async def test_with_the_cache_off_every_read_only_call_reads_its_session(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock, settings: Settings
) -> None:
    await make_ticket(client, tenant, "One")
    uncached = settings.model_copy(update={"live_session_cache_s": 0})
    app = create_app(uncached, clock=clock)
    async with app.router.lifespan_context(app), serve(app) as url:
        runtime: Runtime = app.state.runtime
        async with mcp_client(url, tenant.token, tenant.project_id) as agent:
            await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
            for _ in range(2):
                with session_reads(runtime) as reads:
                    assert await working_on(agent) is not None
                assert len(reads) == 1


async def test_progress_on_a_live_session_is_committed_before_the_call_answers(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, clock: FakeClock, runtime: Runtime
) -> None:
    await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
        clock.advance(7)
        batches = runtime.progress.batches
        answer = await agent.call_tool(
            "report_progress", {"ticket": "#1", "status": "testing", "progress_pct": 40}
        )
        assert not answer.is_error, answer
        assert runtime.progress.batches == batches + 1  # by group commit, not the long way
        # Stored with the session's touch, in that commit: no writer is flushed here.
        board = await activity(client, tenant)
        [checkpoint] = board["checkpoints"]
        assert (checkpoint["status"], checkpoint["progress_pct"]) == ("testing", 40.0)
        assert checkpoint["created_at"] == z(clock())
        assert runtime.touches.pending() == []
        async with runtime.sessionmaker() as db:
            assert (await db.scalars(select(AgentSession.last_activity_at))).one() == clock()
        # Invalid input on the same path: a tool error, nothing stored.
        bad = await agent.call_tool(
            "report_progress", {"ticket": 1, "status": "x", "progress_pct": 140}
        )
        assert bad.is_error
        assert len((await activity(client, tenant))["checkpoints"]) == 1


# perf_contract: start_work arrivals skip a read (the arrival burst of the presence bench).
@pytest.mark.perf_contract
async def test_a_new_session_s_first_start_work_looks_for_no_open_interval(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, runtime: Runtime
) -> None:
    await make_ticket(client, tenant, "One")
    await make_ticket(client, tenant, "Two")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        with session_reads(runtime) as reads:
            first = await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
        assert not [read for read in reads if "work_intervals" in read.lower()]
        assert first.structured_content is not None
        assert first.structured_content["previous"] is None
        # On a live session the previous interval is looked up and closed.
        second = await agent.call_tool("start_work", {"ticket": 2, "role": "developer"})
        assert second.structured_content is not None
        previous = second.structured_content["previous"]
        assert previous["ended_at"] is not None
        assert previous["id"] == first.structured_content["interval"]["id"]
