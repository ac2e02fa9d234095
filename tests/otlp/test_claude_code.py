"""Claude Code's captured exports, decoded and mapped field by field (JSON and protobuf)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import Tenant
from tests.otlp.helpers import CLAUDE, body_of, telemetry_records

# The JSON and protobuf bodies come from two runs of the same scripted session.
SESSIONS = {
    "json": "7516333e-34a9-4d8e-8719-f9838c5fd150",
    "pb": "1a7a8589-5f31-44a7-b9b3-817068ea3404",
}


@pytest.mark.parametrize("encoding", ["json", "pb"])
async def test_claude_code_logs_become_one_record_per_fact(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession, encoding: str
) -> None:
    for name in ("logs-1", "logs-2"):
        body, headers = body_of(CLAUDE / f"{name}.{encoding}")
        headers |= {**tenant.headers, "X-Project-Id": str(tenant.project_id)}
        response = await client.post("/otlp/v1/logs", content=body, headers=headers)
        assert response.status_code == 200, response.text
    records = await telemetry_records(db, tenant.org_id)
    by_action: dict[str, list[object]] = {}
    for record in records:
        by_action.setdefault(record.action or "", []).append(record)
    models = [r for r in records if r.action == "model_request"]
    assert len(models) == 8
    usage = {
        kind: sum((r.token_usage or {})[kind] for r in models)
        for kind in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens")
    }
    assert usage == {
        "input_tokens": 9880,
        "output_tokens": 280,
        "cache_read_tokens": 6400,
        "cache_creation_tokens": 800,
    }
    cost = sum((r.record_metadata or {})["cost_usd"] for r in models)
    assert cost == pytest.approx(0.0504)
    assert {r.resource_id for r in models} == {"claude-opus-5-5"}
    assert all(
        r.total_tokens == sum(v for k, v in (r.token_usage or {}).items() if k != "total_tokens")
        for r in models
    )

    tools = [r for r in records if r.action == "tool_call"]
    assert [r.resource_id for r in tools] == [
        "mcp:agent-activity/start_work",
        "Bash",
        "Write",
        "Read",
        "mcp:agent-activity/report_progress",
        "mcp:agent-activity/move_ticket",
        "mcp:agent-activity/stop_work",
    ]
    outcome = {r.resource_id: (r.success, r.error_code) for r in tools}
    assert outcome["Bash"][0] is False and outcome["Bash"][1]
    assert outcome["mcp:agent-activity/move_ticket"][0] is False
    assert outcome["Write"] == (True, None)
    assert all(r.duration_ms is not None and r.duration_ms > 0 for r in tools)
    assert all((r.record_metadata or {})["tool_use_id"].startswith("toolu_") for r in tools)

    prompts = [r for r in records if r.action == "prompt"]
    assert len(prompts) == 1
    assert prompts[0].record_metadata is not None
    assert prompts[0].record_metadata["prompt_length"] == 16
    assert "prompt" not in prompts[0].record_metadata  # prompts are not stored by default

    connections = [r for r in records if r.action == "mcp_connection"]
    assert [(r.resource_id, r.success) for r in connections] == [("agent-activity", True)] * 2
    statuses = [(r.record_metadata or {})["status"] for r in connections]
    assert statuses == ["connected", "disconnected"]

    session = SESSIONS[encoding]
    for record in records:
        assert record.agent_session_id == session
        assert record.workspace_id == str(tenant.workspace_id)
        assert record.principal_id == str(tenant.user_id)
        assert record.user_id == str(tenant.user_id)
        assert record.external_id is not None and record.external_id.startswith(
            f"otlp:cc:{session}:"
        )
        metadata = record.record_metadata or {}
        assert metadata["agent"] == "claude_code"
        assert metadata["agent_version"] == "2.1.328"
        assert metadata["project_id"] == str(tenant.project_id)
        # The hashed installation id is detail the agent reported, never the record's user.
        assert metadata["reported_user"]["user.id"] != record.user_id


@pytest.mark.parametrize("encoding", ["json", "pb"])
async def test_a_retried_export_is_stored_once(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession, encoding: str
) -> None:
    body, headers = body_of(CLAUDE / f"logs-1.{encoding}")
    counts = []
    for _attempt in range(3):
        response = await client.post(
            "/otlp/v1/logs", content=body, headers=headers | tenant.headers
        )
        assert response.status_code == 200
        counts.append(len(await telemetry_records(db, tenant.org_id)))
    # 9 events, less one accepted tool_decision (its tool_result tells the same).
    assert counts == [8, 8, 8]
