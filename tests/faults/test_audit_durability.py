"""No acknowledged change without its audit record: a server killed with SIGKILL right after it
answered a write still has that write's activity record, because the record was committed with
the change. Reads are written behind; the flush interval here is far longer than the test, so
the written-behind log cannot hide a write that was not stored with its change."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
from mcp import Client
from mcp_types import Implementation

from tests.faults.served import Served, init_org

BEHIND = {"AGENT_ACTIVITY_REQUEST_LOG_FLUSH_INTERVAL_S": "3600"}


@contextlib.asynccontextmanager
async def agent(base: str, org: dict[str, str]) -> AsyncIterator[Client]:
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {org['token']}", "X-Project-Id": org["project_id"]}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(
            streamable_http_client(f"{base}/mcp", http_client=http),
            client_info=Implementation(name="audited", version="1.0.0"),
        ) as client,
    ):
        yield client


async def acknowledged_writes(base: str, org: dict[str, str]) -> set[str]:
    """Writes of every kind, each answered with success; the paths their records must carry."""
    auth = {"Authorization": f"Bearer {org['token']}"}
    project = f"/api/projects/{org['project_id']}"
    async with httpx.AsyncClient(base_url=base, headers=auth, timeout=30) as http:
        ticket = await http.post(f"{project}/tickets", json={"title": "Audited"})
        assert ticket.status_code == 201, ticket.text
        moved = await http.patch(f"{project}/tickets/1", json={"column": "review"})
        assert moved.status_code == 200, moved.text
        batch = {"activities": [{"id": "ext-1", "action": "deploy", "timestamp": "2026-12-01"}]}
        ingested = await http.post(f"/v1/orgs/{org['org_id']}/activity", json=batch)
        assert ingested.status_code == 201, ingested.text
        made = await http.post("/api/agents/", json={"name": "Audited agent"})
        assert made.status_code == 201, made.text
    calls: list[tuple[str, dict[str, Any]]] = [
        ("start_work", {"ticket": 1, "role": "dev"}),
        ("report_progress", {"ticket": 1, "status": "first", "progress_pct": 10}),
        ("report_progress", {"ticket": 1, "status": "live", "progress_pct": 20}),
        ("create_ticket", {"title": "From the agent"}),
    ]
    async with agent(base, org) as client:
        for tool, arguments in calls:
            result = await client.call_tool(tool, arguments)
            assert not result.is_error, (tool, result)
    return {
        f"{project}/tickets",
        f"{project}/tickets/1",
        f"/v1/orgs/{org['org_id']}/activity",
        "/api/agents/",
        "mcp:start_work",
        "mcp:report_progress",
        "mcp:create_ticket",
    }


async def test_every_acknowledged_write_keeps_its_record_across_a_kill(
    served_database: str, tmp_path: Path
) -> None:
    org = init_org(served_database)
    server = Served(served_database, tmp_path / "server.log", env=BEHIND).start()
    try:
        expected = await acknowledged_writes(server.base_url, org)
    finally:
        server.stop(signal.SIGKILL)
    after = Served(served_database, tmp_path / "after.log", env=BEHIND).start()
    try:
        async with httpx.AsyncClient(base_url=after.base_url, timeout=30) as http:
            feed = await http.get(
                f"/v1/orgs/{org['org_id']}/activity",
                params={"limit": 200},
                headers={"Authorization": f"Bearer {org['token']}"},
            )
        assert feed.status_code == 200, feed.text
        records = feed.json()["activities"]
    finally:
        after.stop()
    paths = [r["path"] for r in records]
    assert expected <= set(paths), expected - set(paths)
    # Each write once: the record stored with the change is not written behind again.
    assert paths.count("mcp:report_progress") == 2
    assert paths.count(f"/api/projects/{org['project_id']}/tickets") == 1
