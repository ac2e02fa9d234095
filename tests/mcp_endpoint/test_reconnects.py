"""One agent, one session: short-lived connections of one client continue its session."""

from __future__ import annotations

import httpx

from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.mcp_endpoint.conftest import LEGACY, mcp_client
from tests.mcp_endpoint.test_presence_flow import activity, make_ticket


async def inspector_run(url: str, tenant: Tenant, tool: str, machine_id: str = "machine-1") -> None:
    """What `npx @modelcontextprotocol/inspector --cli` does: connect, one call, disconnect.

    It disconnects without a DELETE (the TypeScript SDK ends a session only when asked to), so
    the session is left to go stale; a DELETE would end it on the board for good.
    """
    async with mcp_client(
        url,
        tenant.token,
        tenant.project_id,
        mode=LEGACY,
        client_name="inspector-cli",
        machine_id=machine_id,
        terminate_on_close=False,
    ) as agent:
        await agent.call_tool(
            tool, {"ticket": 1, "role": "developer"} if tool == "start_work" else {}
        )


async def test_repeated_short_connections_are_one_session_on_the_board(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, clock: FakeClock
) -> None:
    await make_ticket(client, tenant, "One")
    await inspector_run(mcp_url, tenant, "start_work")
    for _ in range(4):
        clock.advance(20)  # within the stale threshold (60 s)
        await inspector_run(mcp_url, tenant, "heartbeat")
    sessions = (await activity(client, tenant))["sessions"]
    assert len(sessions) == 1, sessions
    # The same session, still on the ticket it started, connected since the first run.
    assert sessions[0]["ticket_number"] == 1
    assert sessions[0]["connected_for_s"] == 80


async def test_other_machines_and_late_reconnects_open_their_own_sessions(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, clock: FakeClock
) -> None:
    await make_ticket(client, tenant, "One")
    await inspector_run(mcp_url, tenant, "start_work")
    await inspector_run(mcp_url, tenant, "heartbeat", machine_id="machine-2")
    assert len((await activity(client, tenant))["sessions"]) == 2
    clock.advance(61)  # past the stale threshold: a new connection is a new session
    await inspector_run(mcp_url, tenant, "heartbeat")
    assert len((await activity(client, tenant))["sessions"]) == 3
