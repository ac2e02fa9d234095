"""The live demo's agents work the board through the server's own MCP endpoint, OTLP receiver
and agents API: the board moves, runs are recorded and the tickets' usage shows their
telemetry, attributed by the receiver to the ticket at work."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
from fastapi import FastAPI

from agent_activity.demo.simulation import Pace, simulate
from tests.factories import Tenant
from tests.live_server import serve
from tests.mcp_endpoint.test_presence_flow import activity, make_ticket


async def ticket_usage(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    path = f"/api/projects/{tenant.project_id}/usage"
    tickets: list[dict[str, Any]] = (await client.get(path, headers=tenant.headers)).json()[
        "tickets"
    ]
    return tickets


async def test_simulated_agents_show_up_on_the_board_and_record_runs(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await make_ticket(client, tenant, "Login page")
    agent = await client.post("/api/agents/", json={"name": "Demo"}, headers=tenant.headers)
    agent_uid = agent.json()["data"]["id"]
    async with serve(app) as base:
        crew = asyncio.create_task(
            simulate(base, tenant.token, str(tenant.project_id), 2, Pace(0.05, 0.05))
        )
        try:
            board: dict[str, object] = {}
            for _ in range(200):
                await asyncio.sleep(0.1)
                board = await activity(client, tenant)
                runs = await client.get(
                    f"/api/agents/{agent_uid}/activities", headers=tenant.headers
                )
                done = runs.json()["data"]["_meta"]["total_items"] > 0
                usage = await ticket_usage(client, tenant)
                spent = any(t["model_requests"] and t["tool_calls"] for t in usage)
                if done and spent and board["checkpoints"] and board["session_history"]:
                    break
            else:
                raise AssertionError(f"the simulation left no trace: {board}")
        finally:
            crew.cancel()
            # Bounded: an agent's MCP client that never finishes closing fails the test instead
            # of holding the whole suite.
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(crew, timeout=30)
    origins = {s["origin"] for s in board["sessions"]}  # type: ignore[attr-defined]
    assert origins <= {"demo-agent-1", "demo-agent-2"} and origins
    tickets = (
        await client.get(f"/api/projects/{tenant.project_id}/tickets", headers=tenant.headers)
    ).json()["tickets"]
    assert any(t["column"] != "backlog" for t in tickets)  # moved along by the agents
    usage = await ticket_usage(client, tenant)
    assert sum(t["cost_usd"] for t in usage) > 0
    assert sum(t["tokens"]["total"] for t in usage) > 0
