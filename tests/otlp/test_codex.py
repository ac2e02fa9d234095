"""Codex CLI's captured exports, decoded and mapped field by field (JSON and protobuf)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import Tenant
from tests.otlp.helpers import CODEX, body_of, telemetry_records

CONVERSATION = "01a25128-00e7-72c2-90bb-48a2c919a539"


@pytest.mark.parametrize("encoding", ["json", "pb"])
async def test_codex_logs_become_one_record_per_fact(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession, encoding: str
) -> None:
    body, headers = body_of(CODEX / f"logs-1.{encoding}")
    response = await client.post("/otlp/v1/logs", content=body, headers=headers | tenant.headers)
    assert response.status_code == 200, response.text
    records = await telemetry_records(db, tenant.org_id)
    actions = [r.action for r in records]
    # Six responses with their tokens, six API calls, five tools, one start, one prompt, and
    # turn_ttft kept as a generic event; stream chunks, start-up phases, approvals and the
    # DEBUG line are dropped.
    assert actions.count("model_request") == 6
    assert actions.count("model_api_call") == 6
    assert actions.count("tool_call") == 5
    assert actions.count("session_start") == 1
    assert actions.count("prompt") == 1
    assert actions.count("tool_rejected") == 0
    assert len(records) == 20
    models = [r for r in records if r.action == "model_request"]
    usage = {
        kind: sum((r.token_usage or {})[kind] for r in models)
        for kind in ("input_tokens", "output_tokens", "cache_read_tokens", "total_tokens")
    }
    # 7,350 input of which 4,800 cached, 210 output, 7,560 in all, as Codex reported them.
    assert usage == {
        "input_tokens": 7350 - 4800,
        "output_tokens": 210,
        "cache_read_tokens": 4800,
        "total_tokens": 7560,
    }
    assert all("cost_usd" not in (r.record_metadata or {}) for r in models)
    tools = [r for r in records if r.action == "tool_call"]
    assert [(r.resource_id, r.success, r.error_code) for r in tools] == [
        ("mcp:agent-activity/start_work", True, None),
        ("exec_command", False, "exit_code_2"),
        ("exec_command", True, None),
        ("mcp:agent-activity/report_progress", True, None),
        ("mcp:agent-activity/stop_work", True, None),
    ]
    for record in records:
        assert record.agent_session_id == CONVERSATION or encoding == "pb"
        assert record.timestamp.year == 2026  # timeUnixNano is 0: event.timestamp is used
        assert (record.record_metadata or {})["agent"] == "codex"
