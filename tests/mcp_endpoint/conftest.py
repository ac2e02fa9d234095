"""A real HTTP server on a free loopback port for the SDK's MCP client, plus client helpers.

The server serves the test's ``app`` (whose lifespan the app fixture already runs) in a task on
the test's event loop, so the injected FakeClock is shared by server and test.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import httpx2
import pytest
from fastapi import FastAPI
from mcp import Client
from mcp_types import Implementation

from tests.live_server import serve as serve_base

LEGACY = "legacy"
SESSIONLESS = "2026-07-28"


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Serve ``app`` on loopback; yields its /mcp URL."""
    async with serve_base(app) as base:
        yield f"{base}/mcp"


@pytest.fixture
async def mcp_url(app: FastAPI) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


@contextlib.asynccontextmanager
async def mcp_client(
    url: str,
    token: str | None,
    project_id: uuid.UUID | str | None,
    *,
    mode: str = SESSIONLESS,
    client_name: str = "claude-code",
    machine_id: str | None = "machine-1",
    terminate_on_close: bool = True,
) -> AsyncIterator[Client]:
    """The SDK's client over HTTP: ``mode`` LEGACY (initialize + Mcp-Session-Id) or SESSIONLESS."""
    from mcp.client.streamable_http import streamable_http_client

    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if project_id is not None:
        headers["X-Project-Id"] = str(project_id)
    if machine_id is not None:
        headers["X-Machine-Id"] = machine_id
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(
            streamable_http_client(url, http_client=http, terminate_on_close=terminate_on_close),
            mode=mode,
            client_info=Implementation(name=client_name, version="1.0.0"),
        ) as client,
    ):
        yield client
