"""A real MCP client (legacy and sessionless) through start_work -> report_progress -> stop_work,
checking every field of the three presence endpoints and the activity records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord, AgentSession
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.mcp_endpoint.conftest import LEGACY, SESSIONLESS, mcp_client


def z(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


async def make_ticket(client: httpx.AsyncClient, tenant: Tenant, title: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/projects/{tenant.project_id}/tickets", json={"title": title}, headers=tenant.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def activity(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    response = await client.get(
        f"/api/projects/{tenant.project_id}/agent-activity", headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def sessions(client: httpx.AsyncClient, tenant: Tenant, query: str = "") -> Any:
    response = await client.get(
        f"/api/projects/{tenant.project_id}/agent-sessions{query}", headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    return response.json()["sessions"]


@pytest.mark.parametrize("mode", [LEGACY, SESSIONLESS])
async def test_start_progress_stop_shows_in_every_endpoint(
    client: httpx.AsyncClient,
    mcp_url: str,
    tenant: Tenant,
    clock: FakeClock,
    db: AsyncSession,
    runtime: Runtime,
    mode: str,
) -> None:
    ticket = await make_ticket(client, tenant, "Fix login")
    await make_ticket(client, tenant, "Write docs")
    t0 = clock()
    async with mcp_client(mcp_url, tenant.token, tenant.project_id, mode=mode) as agent:
        started = await agent.call_tool("start_work", {"ticket": 1, "role": "developer"})
        assert not started.is_error, started.content
        assert started.structured_content is not None
        assert started.structured_content["ticket"]["id"] == ticket["id"]
        assert started.structured_content["previous"] is None

        clock.advance(5)
        body = await activity(client, tenant)
        assert body == {
            "sessions": [
                {
                    "ticket_id": ticket["id"],
                    "ticket_number": 1,
                    "role": "developer",
                    "origin": "claude-code",
                    "connected_for_s": 5,
                    "working_for_s": 5,
                    "stale": False,
                }
            ],
            "checkpoints": [],
            "session_history": [],
        }

        clock.advance(5)
        progress = await agent.call_tool(
            "report_progress",
            {"ticket": "#1", "status": "testing", "progress_pct": 40, "details": "halfway"},
        )
        assert not progress.is_error, progress.content
        body = await activity(client, tenant)
        assert body["checkpoints"] == [
            {
                "ticket_id": ticket["id"],
                "agent_role": "developer",
                "status": "testing",
                "progress_pct": 40.0,
                "details": "halfway",
                "created_at": z(clock()),
            }
        ]

        clock.advance(20)
        stopped = await agent.call_tool("stop_work", {})
        assert not stopped.is_error, stopped.content
        t_stop = clock()
        clock.advance(3)
        body = await activity(client, tenant)
        assert body["sessions"] == [
            {
                "ticket_id": None,
                "ticket_number": None,
                "role": "developer",
                "origin": "claude-code",
                "connected_for_s": 33,
                "working_for_s": None,
                "stale": False,
            }
        ]
        [entry] = body["session_history"]
        uuid.UUID(entry["id"])
        assert entry == {
            "id": entry["id"],
            "ticket_id": ticket["id"],
            "duration_seconds": 30,
            "started_at": z(t0),
            "ended_at": z(t_stop),
            "agent_role": "developer",
            "origin": "claude-code",
        }

        [listed] = await sessions(client, tenant)
        if mode == LEGACY:
            assert len(listed["session_id"]) == 32  # the SDK's Mcp-Session-Id
        else:
            assert listed["session_id"].startswith("sl_")
        assert listed == {
            "session_id": listed["session_id"],
            "machine_id": "machine-1",
            "user_id": str(tenant.user_id),
            "project_id": str(tenant.project_id),
            "caller_role": "developer",
            "caller_origin": "claude-code",
            "connected_at": z(t0),
            "last_activity_at": z(t_stop),
        }

        batch = await client.post(
            "/api/projects/agent-activity/batch",
            json={"project_ids": [str(tenant.project_id)]},
            headers=tenant.headers,
        )
        assert batch.status_code == 200, batch.text
        assert batch.json() == {"results": [{"project_id": str(tenant.project_id), **body}]}

    await runtime.request_log.flush()  # tool calls are logged through the batching writer
    records = list(
        await db.scalars(
            select(ActivityRecord)
            .where(ActivityRecord.method == "MCP")
            .order_by(ActivityRecord.timestamp)
        )
    )
    assert [r.path for r in records] == ["mcp:start_work", "mcp:report_progress", "mcp:stop_work"]
    for record in records:
        assert record.org_id == tenant.org_id
        assert record.success is True and record.error_code is None
        assert record.status_code == 200
        assert record.resource_type == "ticket" and record.resource_id == ticket["id"]
        assert f"mcp:{record.action}" == record.path
        assert record.principal_id == str(tenant.user_id) and record.token_id is not None
        assert record.workspace_id == str(tenant.workspace_id)
        assert record.duration_ms is not None and record.duration_ms >= 0
        assert record.record_metadata is not None
        assert record.record_metadata["mcp_session_key"] == listed["session_id"]
        agent = await db.scalar(
            select(AgentSession.id).where(AgentSession.session_key == listed["session_id"])
        )
        assert record.record_metadata["mcp_session_id"] == str(agent)
    # Each call is on the ticket its agent works on as the call ends: none once it stopped.
    assert [r.ticket_id for r in records] == [ticket["id"], ticket["id"], None]
