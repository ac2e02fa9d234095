"""A real HTTP server on a free loopback port for the SDK's MCP client, plus client helpers.

The server serves the test's ``app`` (whose lifespan the app fixture already runs) in a task on
the test's event loop, so the injected FakeClock is shared by server and test.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator

import httpx2
import pytest
import uvicorn
from fastapi import FastAPI
from mcp import Client
from mcp_types import Implementation

LEGACY = "legacy"
SESSIONLESS = "2026-07-28"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Serve ``app`` on loopback; yields its /mcp URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="error")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.should_exit = True
        await task


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
            streamable_http_client(url, http_client=http),
            mode=mode,
            client_info=Implementation(name=client_name, version="1.0.0"),
        ) as client,
    ):
        yield client
