"""One agent, one row in a ticket's ``by_agent``: an agent's MCP tool calls and the telemetry of
its joined session name the same agent session, so the ticket's usage counts both on one row."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI
from mcp_types import RequestParamsMeta
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import AgentSession
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.mcp_endpoint.conftest import mcp_client, serve
from tests.mcp_endpoint.test_presence_flow import make_ticket
from tests.otlp.test_session_join import claude_export, post
from tests.tickets.arrange import usage_of


async def test_an_agents_tool_calls_and_telemetry_are_one_by_agent_row(
    app: FastAPI,
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    db: AsyncSession,
    clock: FakeClock,
) -> None:
    await make_ticket(client, tenant, "Fix login")
    started = clock.current
    async with serve(app) as url, mcp_client(url, tenant.token, tenant.project_id) as agent:
        meta = RequestParamsMeta({"claudecode/toolUseId": "toolu_start"})  # type: ignore[typeddict-unknown-key]
        result = await agent.call_tool("start_work", {"ticket": 1, "role": "dev"}, meta=meta)
        assert not result.is_error
        assert not (await agent.call_tool("heartbeat", {})).is_error
        await asyncio.sleep(0.6)  # the join is written behind the call
        # The agent's own telemetry of the same session: a tool call made while it worked.
        await post(client, tenant, claude_export(started + timedelta(seconds=1), 1, "toolu_start"))
        await runtime.request_log.flush()  # the heartbeat's record is written behind it
        body = await usage_of(client, tenant)
    mcp_session = await db.scalar(
        select(AgentSession.id).where(AgentSession.org_id == tenant.org_id)
    )
    # start_work and heartbeat through MCP, one tool_result through OTLP: one agent, three calls.
    assert [(row["key"], row["tool_calls"], row["intervals"]) for row in body["by_agent"]] == [
        (str(mcp_session), 3, 1)
    ]
    assert body["tool_calls"] == 3
    assert [(row["key"], row["tool_calls"]) for row in body["by_user"]] == [
        (str(tenant.user_id), 3)
    ]
