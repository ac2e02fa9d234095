"""A progress report on a session live on its project runs on a reader: the last activity it
answers with is set on the session read there, and must never be flushed to that reader (on a
SQLite file a read-only connection, where the write was "attempt to write a readonly
database", a tool error, in the memory soak)."""

from __future__ import annotations

import httpx
from mcp import Client

from agent_activity.app import create_app
from agent_activity.config import Settings
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.mcp_endpoint.conftest import mcp_client, serve
from tests.mcp_endpoint.test_presence_flow import make_ticket


async def report(agent: Client, pct: int) -> None:
    answer = await agent.call_tool(
        "report_progress", {"ticket": 1, "status": "on", "progress_pct": pct}
    )
    assert not answer.is_error, answer
    assert answer.structured_content is not None, answer


async def test_a_live_session_first_read_by_a_progress_report_is_reported_on(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock, settings: Settings, mcp_url: str
) -> None:
    await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
    # Another process, which has never served this session, reads it for the report.
    other_app = create_app(settings, clock=clock)
    async with (
        other_app.router.lifespan_context(other_app),
        serve(other_app) as url,
        mcp_client(url, tenant.token, tenant.project_id) as agent,
    ):
        clock.advance(3)
        await report(agent, 10)
        clock.advance(3)
        await report(agent, 20)
