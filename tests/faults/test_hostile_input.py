"""Hostile input is never a 500: JSON-RPC garbage on /mcp, invalid UTF-8, NUL and lone
surrogates in bodies, and huge query strings, on every family."""

from __future__ import annotations

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
