"""Helpers for the dashboard tests: sign in, a real server on loopback, an MCP client, SSE."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
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


# Live, with room for a loaded CI machine (see test_browser_board.py).
STREAM_WITHIN_S = 5.0


@contextlib.asynccontextmanager
async def open_stream(http: httpx.AsyncClient, path: str) -> AsyncIterator[EventReader]:
    """An open event stream of the dashboard at ``path``, past its first ``change``."""
    async with http.stream("GET", path) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = EventReader(response)
        event, data = await reader.next(STREAM_WITHIN_S)
        assert event == "change" and data["first"] is True
        yield reader


def agent_tool_call(org_id: uuid.UUID, at: datetime) -> dict[str, Any]:
    """An activity record of an agent's MCP tool call, as the MCP layer writes it."""
    return {
        "org_id": org_id,
        "timestamp": at,
        "principal_type": "agent",
        "principal_id": "agent-1",
        "method": "MCP",
        "path": "mcp:start_work",
        "action": "start_work",
        "record_metadata": {"transport": "mcp"},
    }
