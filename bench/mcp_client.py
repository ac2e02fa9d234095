"""A minimal MCP client speaking raw JSON-RPC over streamable HTTP, for load.

The SDK's client keeps a task group and streams per connection: too heavy for a thousand
clients in one load-generator process. This one sends exactly what a client sends: for the
2026-07-28 revision one self-contained POST per call (envelope in `params._meta`, routing
headers), for a legacy client (2025-11-25) an `initialize` handshake and `Mcp-Session-Id`.
Answers may come as JSON or as an SSE stream; both are read.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from bench.http1 import Connection, Response

MODERN = "2026-07-28"
LEGACY = "2025-11-25"


class McpError(Exception):
    pass


def parse_body(response: Response, request_id: int) -> dict[str, Any]:
    """The JSON-RPC response with ``request_id``, from a JSON or an SSE body."""
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        message: dict[str, Any] = response.json()
        return message
    if content_type.startswith("text/event-stream"):
        for line in response.text.splitlines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("id") == request_id:
                    return message
    raise McpError(f"HTTP {response.status_code} without a JSON-RPC answer: {response.text[:200]}")


@dataclass
class McpClient:
    """One simulated agent client: its token, project, machine and client name."""

    http: Connection
    token: str
    project_id: str
    machine_id: str
    client_name: str
    legacy: bool = False
    session_id: str | None = None
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _headers(self, method: str, name: str | None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "X-Project-Id": self.project_id,
            "X-Machine-Id": self.machine_id,
            "Accept": "application/json, text/event-stream",
            "Content-Type": "application/json",
        }
        if self.legacy:
            if self.session_id:
                headers["Mcp-Session-Id"] = self.session_id
                headers["MCP-Protocol-Version"] = LEGACY
        else:
            headers.update({"MCP-Protocol-Version": MODERN, "Mcp-Method": method})
            if name is not None:
                headers["Mcp-Name"] = name
        return headers

    def _client_info(self) -> dict[str, str]:
        return {"name": self.client_name, "version": "1.0"}

    async def _post(self, payload: dict[str, Any], name: str | None = None) -> Response:
        headers = self._headers(payload["method"], name)
        return await self.http.post("/mcp", content=json.dumps(payload).encode(), headers=headers)

    async def connect(self) -> None:
        """The legacy handshake (a no-op for sessionless clients)."""
        if not self.legacy or self.session_id:
            return
        request_id = next(self.ids)
        params = {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": self._client_info()}
        response = await self._post(
            {"jsonrpc": "2.0", "id": request_id, "method": "initialize", "params": params}
        )
        message = parse_body(response, request_id)
        if "error" in message or "mcp-session-id" not in response.headers:
            raise McpError(f"initialize failed: HTTP {response.status_code} {message}")
        self.session_id = response.headers["mcp-session-id"]
        await self._post({"jsonrpc": "2.0", "method": "notifications/initialized"})

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """The tool's result; McpError when the call or the tool failed."""
        request_id = next(self.ids)
        params: dict[str, Any] = {"name": name, "arguments": arguments}
        if not self.legacy:
            params["_meta"] = {
                "io.modelcontextprotocol/protocolVersion": MODERN,
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": self._client_info(),
            }
        payload = {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}
        response = await self._post(payload, name)
        message = parse_body(response, request_id)
        if "error" in message:
            raise McpError(f"{name}: HTTP {response.status_code} {message['error']}")
        result: dict[str, Any] = message["result"]
        if result.get("isError"):
            raise McpError(f"{name}: tool error {str(result.get('content'))[:200]}")
        return result
