"""Hostile input is never a 500: JSON-RPC garbage on /mcp, invalid UTF-8, NUL and lone
surrogates in bodies, and huge query strings, on every family."""

from __future__ import annotations

import json

import httpx

from tests.factories import Tenant

GARBAGE = [
    b"",
    b"not json",
    b"\xff\xfe\xfa invalid utf-8",
    b'{"jsonrpc": "2.0"}',
    b'{"jsonrpc": "2.0", "id": 1, "method": 7}',
    b'[{"jsonrpc": "2.0", "id": 1, "method": "tools/call"}]',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": "x"}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"clientInfo": 5}}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "a\\u0000b"}}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "\\ud800"}}',
    b"[" * 50_000,
]


async def test_json_rpc_garbage_on_mcp_is_never_a_500(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = {
        **tenant.headers,
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
    }
    for body in GARBAGE:
        for extra in ({}, {"mcp-protocol-version": "2026-07-28"}, {"mcp-session-id": "s1.x.y"}):
            response = await client.post("/mcp", content=body, headers={**headers, **extra})
            assert response.status_code < 500, (body[:60], extra, response.text)


async def test_bodies_and_query_strings_of_the_families_are_never_a_500(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    posts = [
        f"/v1/orgs/{tenant.org_id}/activity",
        "/api/agents",
        f"/api/projects/{tenant.project_id}/tickets",
    ]
    bodies = [
        b"\xff\xfe\xfa",
        b'{"activities": [{"id": "a\\u0000"}], "name": "\\u0000", "title": "\\u0000"}',
        b'{"activities": [{"id": "\\ud800"}], "name": "\\udfff", "title": "\\ud800"}',
        b'{"name": "x", "title": "x", "config": {"\\ud800": 1}, "activities": []}',
    ]
    headers = {**tenant.headers, "content-type": "application/json"}
    for path in posts:
        for body in bodies:
            response = await client.post(path, content=body, headers=headers)
            assert response.status_code < 500, (path, body, response.text)
    huge = "x" * 15_000
    for path in (
        f"/v1/orgs/{tenant.org_id}/activity?action={huge}",
        f"/api/projects/{tenant.project_id}/agent-sessions?active={huge}",
        f"/api/agents/{tenant.org_id}?{huge}={huge}",
        f"/v1/orgs/{tenant.org_id}/activity?cursor={huge}",
    ):
        response = await client.get(path, headers=tenant.headers)
        assert response.status_code < 500, (path[:80], response.text[:200])


async def tool_call(
    client: httpx.AsyncClient, tenant: Tenant, name: str, arguments: dict[str, object]
) -> dict[str, object]:
    """One sessionless MCP tools/call, serialised with escapes so a lone surrogate can be sent."""
    params = {
        "name": name,
        "arguments": arguments,
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "hostile", "version": "1"},
        },
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}
    response = await client.post(
        "/mcp",
        content=json.dumps(body).encode(),
        headers={
            **tenant.headers,
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
            "mcp-protocol-version": "2026-07-28",
            "mcp-method": "tools/call",
            "mcp-name": name,
            "x-project-id": str(tenant.project_id),
        },
    )
    assert response.status_code < 500, response.text
    answer = response.json() if "json" in response.headers["content-type"] else None
    if answer is None:
        data = [line[5:] for line in response.text.splitlines() if line.startswith("data:")]
        answer = json.loads(data[-1])
    result: dict[str, object] = answer["result"]
    return result


async def test_tool_text_that_no_store_can_hold_is_a_clear_tool_error(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    cases: list[tuple[str, dict[str, object]]] = [
        ("create_ticket", {"title": "\ud800 title"}),
        ("create_ticket", {"title": "ok", "description": "nul \x00 here"}),
        ("create_ticket", {"title": "ok", "column": "\udfff"}),
        ("start_work", {"ticket": "\ud800", "role": "dev"}),
        ("start_work", {"ticket": 1, "role": "\ud800"}),
        ("report_progress", {"ticket": 1, "status": "\x00", "details": "\ud800"}),
    ]
    for name, arguments in cases:
        result = await tool_call(client, tenant, name, arguments)
        text = json.dumps(result)
        assert result.get("isError") is True, (name, arguments, text)
        assert "unexpected error" not in text, (name, arguments, text)
        assert "surrogate" in text or "NUL" in text or "not found" in text.lower(), text
    board = await client.get(f"/api/projects/{tenant.project_id}/tickets", headers=tenant.headers)
    assert board.status_code == 200 and board.json()["tickets"] == []
