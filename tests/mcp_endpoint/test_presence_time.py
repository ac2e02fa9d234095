"""Staleness, the active window and the timeout that ends a session, on the injected clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.db.models import AgentSession, WorkInterval
from agent_activity.domain.presence.client import ClientIdentity
from agent_activity.domain.presence.touches import Touch, write_touches
from agent_activity.mcp.app import sweep_once
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.mcp_endpoint.conftest import LEGACY, SESSIONLESS, mcp_client, serve
from tests.mcp_endpoint.test_presence_flow import activity, make_ticket, sessions, z


async def test_a_session_is_stale_after_60_silent_seconds(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, clock: FakeClock, runtime: Runtime
) -> None:
    await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
        clock.advance(59)
        [session] = (await activity(client, tenant))["sessions"]
        assert session["stale"] is False and session["working_for_s"] == 59
        clock.advance(2)
        [session] = (await activity(client, tenant))["sessions"]
        assert session["stale"] is True and session["connected_for_s"] == 61
        await agent.call_tool("heartbeat", {})
        await runtime.touches.flush()  # written behind the call, within 0.5 s; here at once
        [session] = (await activity(client, tenant))["sessions"]
        assert session["stale"] is False


async def test_active_sessions_are_those_seen_within_five_minutes(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, clock: FakeClock
) -> None:
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        await agent.call_tool("heartbeat", {})
    clock.advance(299)
    assert len(await sessions(client, tenant)) == 1
    assert len(await sessions(client, tenant, "?active=true")) == 1
    clock.advance(2)
    assert await sessions(client, tenant) == []
    assert len(await sessions(client, tenant, "?active=false")) == 1
    # Still within the timeout: the board shows it, stale.
    [live] = (await activity(client, tenant))["sessions"]
    assert live["stale"] is True


async def test_a_session_silent_past_the_timeout_is_ended_at_its_last_activity(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, clock: FakeClock, runtime: Runtime
) -> None:
    ticket = await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id, mode=LEGACY) as agent:
        t0 = clock()
        await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
        clock.advance(100)
        await agent.call_tool("heartbeat", {})
        await runtime.touches.flush()  # before the clock jumps past the flush interval
        last = clock()
        clock.advance(900)
        assert len((await activity(client, tenant))["sessions"]) == 1  # exactly at the timeout
        clock.advance(1)
        body = await activity(client, tenant)
        assert body["sessions"] == []
        [entry] = body["session_history"]
        assert entry["ticket_id"] == ticket["id"]
        assert (entry["started_at"], entry["ended_at"]) == (z(t0), z(last))
        assert entry["duration_seconds"] == 100
        [ended] = await sessions(client, tenant, "?active=false")
        assert ended["last_activity_at"] == z(last)

        # The same client coming back starts afresh: connected now, not working.
        await agent.call_tool("heartbeat", {})
        [session] = (await activity(client, tenant))["sessions"]
        assert session["connected_for_s"] == 0 and session["working_for_s"] is None
        assert len((await activity(client, tenant))["session_history"]) == 1


async def test_a_touch_after_the_timeout_closes_the_old_interval_before_reviving(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, clock: FakeClock
) -> None:
    await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        t0 = clock()
        await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
        clock.advance(2000)  # nobody read the board meanwhile: no lazy expiry has run
        await agent.call_tool("heartbeat", {})
    body = await activity(client, tenant)
    [entry] = body["session_history"]
    assert (entry["ended_at"], entry["duration_seconds"]) == (z(t0), 0)
    assert body["sessions"][0]["connected_for_s"] == 0


async def test_concurrent_sweeps_end_each_silent_session_once(
    client: httpx.AsyncClient,
    mcp_url: str,
    tenant: Tenant,
    clock: FakeClock,
    runtime: Runtime,
    settings: Settings,
    db: AsyncSession,
) -> None:
    await make_ticket(client, tenant, "One")
    for machine in ("m1", "m2", "m3"):
        async with mcp_client(
            mcp_url, tenant.token, tenant.project_id, machine_id=machine
        ) as agent:
            await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
    last = clock()
    clock.advance(901)
    second = create_app(settings, clock=clock)
    async with second.router.lifespan_context(second):
        other: Runtime = second.state.runtime
        ended = await asyncio.gather(sweep_once(runtime), sweep_once(other))
    assert sum(ended) == 3
    rows = list(await db.scalars(select(AgentSession)))
    assert len(rows) == 3 and all(row.ended_at == last for row in rows)
    intervals = list(await db.scalars(select(WorkInterval)))
    assert len(intervals) == 3 and all(i.ended_at == last for i in intervals)
    assert await sweep_once(runtime) == 0


async def test_two_app_instances_on_one_database_share_presence(
    client: httpx.AsyncClient,
    mcp_url: str,
    tenant: Tenant,
    clock: FakeClock,
    settings: Settings,
) -> None:
    from tests.mcp_endpoint.conftest import serve

    await make_ticket(client, tenant, "One")
    second: FastAPI = create_app(settings, clock=clock)
    async with second.router.lifespan_context(second), serve(second) as second_url:
        transport = httpx.ASGITransport(app=second)
        async with httpx.AsyncClient(transport=transport, base_url="http://second") as other:
            # One sessionless agent whose requests land on either process: one session.
            async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
                await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
            clock.advance(10)
            async with mcp_client(second_url, tenant.token, tenant.project_id) as agent:
                await agent.call_tool("heartbeat", {})
            # Its touch is written behind (within 0.5 s): stored now, so that both reads below
            # see the same last activity.
            await second.state.runtime.touches.flush()
            seen_here = await activity(client, tenant)
            seen_there = await activity(other, tenant)
            assert seen_here == seen_there
            [session] = seen_there["sessions"]
            assert session["ticket_number"] == 1 and session["working_for_s"] == 10
            assert await sessions(client, tenant) == await sessions(other, tenant)
            assert len(await sessions(other, tenant)) == 1
            assert (await sessions(other, tenant))[0]["session_id"].startswith("sl_")
    assert SESSIONLESS  # both processes served the sessionless protocol above


async def last_activity(db: AsyncSession) -> list[object]:
    db.expire_all()
    return [row.last_activity_at for row in await db.scalars(select(AgentSession))]


async def test_a_read_only_call_on_a_live_session_is_touched_behind_it(
    client: httpx.AsyncClient,
    mcp_url: str,
    tenant: Tenant,
    clock: FakeClock,
    runtime: Runtime,
    db: AsyncSession,
) -> None:
    await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
        clock.advance(30)
        answer = await agent.call_tool("heartbeat", {})
        assert answer.structured_content is not None
        assert answer.structured_content["last_activity_at"] == z(clock())
        # Not in the call's own transaction: the background writer stores it within its
        # flush interval (0.5 s), with no flush asked for here.
        for _ in range(100):  # 5 s at most
            if await last_activity(db) == [clock()]:
                break
            await asyncio.sleep(0.05)
        assert await last_activity(db) == [clock()]
        # A call that changes state touches the session in its own transaction, at once.
        clock.advance(5)
        await agent.call_tool("stop_work", {})
        assert await last_activity(db) == [clock()]


async def test_a_graceful_stop_writes_the_touches_still_pending(
    client: httpx.AsyncClient,
    tenant: Tenant,
    clock: FakeClock,
    settings: Settings,
    db: AsyncSession,
) -> None:
    second = create_app(settings, clock=clock)
    async with second.router.lifespan_context(second):
        other: Runtime = second.state.runtime
        async with serve(second) as url, mcp_client(url, tenant.token, tenant.project_id) as agent:
            await agent.call_tool("heartbeat", {})  # creates the session: written at once
            clock.advance(20)
            await agent.call_tool("heartbeat", {})
            assert len(other.touches.pending()) == 1
    assert await last_activity(db) == [clock()]


async def test_a_touch_never_moves_last_activity_back_nor_revives_an_ended_session(
    client: httpx.AsyncClient,
    mcp_url: str,
    tenant: Tenant,
    clock: FakeClock,
    db: AsyncSession,
) -> None:
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        await agent.call_tool("heartbeat", {})
    [row] = list(await db.scalars(select(AgentSession)))
    identity = ClientIdentity(row.session_key, row.protocol, "machine-2", None, None, None)
    # A touch older than what is stored (another process wrote a later one first) is a no-op.
    await write_touches(db, [Touch(row.id, clock() - timedelta(seconds=5), identity)])
    await db.commit()
    assert await last_activity(db) == [clock()]
    # An ended session stays ended: its client's next call revives it the long way.
    row.ended_at = clock()
    await db.commit()
    await write_touches(db, [Touch(row.id, clock() + timedelta(seconds=5), identity)])
    await db.commit()
    assert await last_activity(db) == [clock()]
    assert (await db.scalars(select(AgentSession.machine_id))).one() == "machine-1"
