"""A telemetry session joined to the MCP session of the same agent: its records carry the
ticket of the work interval open when they were made, and it keeps the MCP session live."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from mcp_types import RequestParamsMeta
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import AgentSession, Ticket
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.mcp_endpoint.conftest import mcp_client, serve
from tests.mcp_endpoint.test_presence_flow import make_ticket
from tests.otlp.helpers import telemetry_records

SESSION = "5e5510a0-0000-4000-8000-000000000001"


def claude_export(at: datetime, sequence: int, tool_use_id: str | None) -> bytes:
    """A Claude Code tool_result event, as Claude Code sends it (JSON)."""
    attributes = {
        "session.id": SESSION,
        "event.name": "tool_result",
        "event.sequence": sequence,
        "tool_name": "Bash",
        "success": "true",
        "duration_ms": "12",
    }
    if tool_use_id:
        attributes["tool_use_id"] = tool_use_id
    record = {
        "timeUnixNano": str(int(at.timestamp() * 1e9)),
        "body": {"stringValue": "claude_code.tool_result"},
        "attributes": [
            {"key": k, "value": {"intValue": v} if isinstance(v, int) else {"stringValue": v}}
            for k, v in attributes.items()
        ],
    }
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "claude-code"}}]}
    return json.dumps(
        {"resourceLogs": [{"resource": resource, "scopeLogs": [{"logRecords": [record]}]}]}
    ).encode()


async def post(client: httpx.AsyncClient, tenant: Tenant, body: bytes) -> None:
    headers = {"Content-Type": "application/json", **tenant.headers}
    response = await client.post("/otlp/v1/logs", content=body, headers=headers)
    assert response.status_code == 200, response.text


async def test_telemetry_of_a_joined_session_lands_on_its_open_ticket(
    app: FastAPI,
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    db: AsyncSession,
    clock: FakeClock,
) -> None:
    await make_ticket(client, tenant, "Fix login")
    started = clock.current
    async with serve(app) as url, mcp_client(url, tenant.token, tenant.project_id) as agent:
        meta = RequestParamsMeta({"claudecode/toolUseId": "toolu_start"})  # type: ignore[typeddict-unknown-key]
        result = await agent.call_tool("start_work", {"ticket": 1, "role": "dev"}, meta=meta)
        assert not result.is_error
        await asyncio.sleep(0.6)  # the join is written behind the call
        # Another org's export naming the same ids joins nothing of this org's.
        await post(
            client, other_tenant, claude_export(started + timedelta(seconds=1), 1, "toolu_start")
        )
        clock.advance(120)  # past stale_after_s: only telemetry can keep the session live
        await post(client, tenant, claude_export(started + timedelta(seconds=1), 1, "toolu_start"))
        # A later event of the same session joins by its session id alone.
        await post(client, tenant, claude_export(started + timedelta(seconds=119), 2, None))
        stopped = await agent.call_tool("stop_work", {})
        assert not stopped.is_error
    # An event made after the interval closed carries no ticket.
    await post(client, tenant, claude_export(clock.current + timedelta(seconds=1), 3, None))

    ticket = await db.scalar(
        select(Ticket.id).where(Ticket.project_id == tenant.project_id, Ticket.number == 1)
    )
    records = await telemetry_records(db, tenant.org_id)
    assert [r.ticket_id for r in records] == [str(ticket), str(ticket), None]
    assert {r.agent_session_id for r in records} == {SESSION}
    mcp_session = await db.scalar(select(AgentSession).where(AgentSession.org_id == tenant.org_id))
    assert mcp_session is not None
    assert {(r.record_metadata or {}).get("mcp_session_id") for r in records} == {
        str(mcp_session.id)
    }
    # The telemetry at +119 s moved the session's last activity on, past the MCP calls'.
    assert mcp_session.last_activity_at >= started + timedelta(seconds=119)

    # The feeds and the search filter on the ticket; totals count the ticket's records only.
    feed = await client.get(
        f"/v1/orgs/{tenant.org_id}/activity?ticket_id={ticket}", headers=tenant.headers
    )
    assert feed.status_code == 200
    # The two telemetry records, and the agent's start_work call (its record carries the
    # ticket it started on; stop_work's, made with no interval open, none).
    assert feed.json()["total"] == 3
    assert {a["ticket_id"] for a in feed.json()["activities"]} == {str(ticket)}
    assert sorted(a["action"] for a in feed.json()["activities"]) == [
        "start_work",
        "tool_call",
        "tool_call",
    ]
    search = await client.get(
        f"/v1/orgs/{tenant.org_id}/workspaces/{tenant.workspace_id}/activity/search",
        params={"ticket_id": str(ticket), "agent_session_id": SESSION},
        headers=tenant.headers,
    )
    assert [a["agent_session_id"] for a in search.json()["activities"]] == [SESSION] * 2

    theirs = await telemetry_records(db, other_tenant.org_id)
    assert [(r.ticket_id, (r.record_metadata or {}).get("mcp_session_id")) for r in theirs] == [
        (None, None)
    ]
