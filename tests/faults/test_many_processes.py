"""Any number of processes, no sticky routing: two `serve` processes on one PostgreSQL behind a
round-robin proxy, each MCP request on a connection of its own (so on either process), serve a
session-opening (legacy) client and a sessionless one through 50 work cycles without a failure;
closing the legacy session (DELETE) ends it on the board."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp_types import Implementation

from tests.conftest import empty_postgres_database
from tests.faults.proxy import round_robin
from tests.faults.served import Served, init_org

CYCLES = 50


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with empty_postgres_database(request, "aa_test_processes") as url:
        yield url


@contextlib.asynccontextmanager
async def agent(url: str, org: dict[str, str], mode: str, name: str) -> AsyncIterator[Client]:
    from mcp.client.streamable_http import streamable_http_client

    headers = {
        "Authorization": f"Bearer {org['token']}",
        "X-Project-Id": org["project_id"],
        "X-Machine-Id": f"machine-{name}",
    }
    # No kept-alive connection: every request is a new connection, so a new turn of the proxy.
    limits = httpx2.Limits(max_keepalive_connections=0)
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30, limits=limits) as http,
        Client(
            streamable_http_client(url, http_client=http),
            mode=mode,
            client_info=Implementation(name=name, version="1.0.0"),
        ) as client,
    ):
        yield client


async def board(base: str, org: dict[str, str]) -> list[dict[str, object]]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        response = await http.get(
            f"/api/projects/{org['project_id']}/agent-activity",
            headers={"Authorization": f"Bearer {org['token']}"},
        )
    assert response.status_code == 200, response.text
    sessions: list[dict[str, object]] = response.json()["sessions"]
    return sessions


async def test_two_processes_behind_a_round_robin_proxy(postgres_url: str, tmp_path: Path) -> None:
    org = init_org(postgres_url)
    servers = [Served(postgres_url, tmp_path / f"server-{i}.log").start() for i in range(2)]
    try:
        async with round_robin([s.port for s in servers]) as (base, given):
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                created = await http.post(
                    f"/api/projects/{org['project_id']}/tickets",
                    json={"title": "Shared"},
                    headers={"Authorization": f"Bearer {org['token']}"},
                )
                assert created.status_code == 201, created.text
            failures: list[tuple[str, int, str, object]] = []

            async def work(mode: str, name: str) -> None:
                async with agent(f"{base}/mcp", org, mode, name) as client:
                    for cycle in range(CYCLES):
                        for tool, arguments in (
                            ("start_work", {"ticket": 1, "role": "dev"}),
                            ("report_progress", {"ticket": 1, "status": "on", "progress_pct": 50}),
                            ("stop_work", {}),
                        ):
                            result = await client.call_tool(tool, arguments)
                            if result.is_error:
                                failures.append((mode, cycle, tool, result.content))
                    origins = [s.get("origin") for s in await board(base, org)]
                    assert name in origins, origins
                # Leaving the client closes its session: DELETE, on whichever process.
                if mode == "legacy":
                    origins = [s.get("origin") for s in await board(base, org)]
                    assert name not in origins, origins

            await asyncio.gather(work("legacy", "legacy-agent"), work("2026-07-28", "sessionless"))
            assert failures == []
            assert min(given.values()) > CYCLES, given  # both processes served many requests
    finally:
        for server in servers:
            server.stop()
    assert uuid.UUID(org["org_id"])
