"""Helpers for the dashboard tests: sign in, a real server on loopback, an MCP client, SSE."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import httpx2

from agent_activity.web.session import COOKIE_NAME
from tests.live_server import serve

__all__ = ["serve"]


async def sign_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    """Sign ``client`` in; the cookie stays in its jar."""
    response = await client.post("/signin", data={"token": token, "next": "/board"})
    assert response.status_code == 303, response.text
    assert COOKIE_NAME in client.cookies
    return response


@contextlib.asynccontextmanager
async def mcp_session(
    base_url: str, token: str, project_id: uuid.UUID, *, client_name: str = "claude-code"
) -> AsyncIterator[Any]:
    """The SDK's sessionless MCP client against ``base_url``/mcp, naming its project."""
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp_types import Implementation

    headers = {
        "Authorization": f"Bearer {token}",
        "X-Project-Id": str(project_id),
        "X-Machine-Id": "laptop-1",
    }
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(
            streamable_http_client(f"{base_url}/mcp", http_client=http),
            mode="2026-07-28",
            client_info=Implementation(name=client_name, version="1.0.0"),
        ) as client,
    ):
        yield client


class EventReader:
    """Reads server-sent events from an open streaming response, with a deadline per event."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()

    async def next(self, within_s: float) -> tuple[str, dict[str, Any]]:
        async with asyncio.timeout(within_s):
            event, data = "message", ""
            async for line in self.lines:
                if line.startswith("event:"):
                    event = line.partition(":")[2].strip()
                elif line.startswith("data:"):
                    data += line.partition(":")[2].strip()
                elif line == "" and data:
                    return event, json.loads(data)
        raise AssertionError("the event stream ended")
