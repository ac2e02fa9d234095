"""/mcp refuses callers without a token (401) or over their limit (429); bad tool calls get
clear tool errors, are written to the activity log and still refresh the session."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import httpx2
import pytest
from fastapi import FastAPI
from mcp import Client
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.db.models import ActivityRecord
from agent_activity.domain.tenancy.principal import READ
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant, make_tenant, make_token
from tests.mcp_endpoint.conftest import LEGACY, SESSIONLESS, mcp_client, serve
from tests.mcp_endpoint.test_presence_flow import make_ticket, sessions, z

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


def messages(error: BaseException) -> str:
    """Every message in an exception and, for a group, in its members."""
    if isinstance(error, BaseExceptionGroup):
        return " | ".join(messages(e) for e in error.exceptions)
    return f"{type(error).__name__}: {error}"


def error_text(result: Any) -> str:
    assert result.is_error, result
    text: str = result.content[0].text
    return text


@pytest.mark.parametrize("authorization", [None, "Bearer aa_unknown", "Token abc"])
async def test_mcp_without_a_valid_token_is_401(
    client: httpx.AsyncClient, tenant: Tenant, authorization: str | None
) -> None:
    headers = {**ACCEPT, "X-Project-Id": str(tenant.project_id)}
    if authorization:
        headers["Authorization"] = authorization
    response = await client.post("/mcp", json=INITIALIZE, headers=headers)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="agent-activity"')
    # No resource_metadata: nothing for the client to start an OAuth flow with.
    assert "resource_metadata" not in challenge
    assert ('error="invalid_token"' in challenge) == (authorization is not None)
    refusal = response.json()
    assert refusal["code"] == "UNAUTHORIZED"
    assert refusal["reconnect"] is False
    assert "Authorization: Bearer <token>" in refusal["error"]
    assert "agent-activity token create" in refusal["error"]


async def test_an_unexpected_error_is_the_families_500_not_plain_text(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession
) -> None:
    # A table missing under the token check: an error no handler expects, once uvicorn's plain
    # "Internal Server Error".
    await db.execute(text("ALTER TABLE api_tokens RENAME TO api_tokens_gone"))
    await db.commit()
    headers = {**ACCEPT, **tenant.headers, "X-Project-Id": str(tenant.project_id)}
    try:
        response = await client.post("/mcp", json=INITIALIZE, headers=headers)
    finally:
        await db.execute(text("ALTER TABLE api_tokens_gone RENAME TO api_tokens"))
        await db.commit()
    assert response.status_code == 500
    assert response.json()["code"] == "INTERNAL_ERROR"
    assert "api_tokens" not in response.text


async def test_the_sdk_client_fails_to_connect_without_a_token(
    mcp_url: str, tenant: Tenant
) -> None:
    with pytest.raises(BaseException) as caught:
        async with mcp_client(mcp_url, None, tenant.project_id, mode=LEGACY):
            pass
    assert "Server returned an error response" in messages(caught.value)


@pytest.fixture
async def limited_app(database_url: str, clock: FakeClock) -> AsyncIterator[FastAPI]:
    settings = Settings(database_url=database_url, rate_limit_per_minute=4)
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


async def test_mcp_shares_the_per_token_rate_limit(limited_app: FastAPI) -> None:
    tenant = await make_tenant(limited_app.state.runtime, "Limited")
    async with serve(limited_app) as url:
        async with mcp_client(url, tenant.token, tenant.project_id) as agent:
            for _ in range(3):  # the client spends one request on tools/list (output schemas)
                assert not (await agent.call_tool("heartbeat", {})).is_error
            with pytest.raises(BaseException) as caught:
                await agent.call_tool("heartbeat", {})
            assert "error response" in messages(caught.value)
        async with httpx.AsyncClient(base_url=url.removesuffix("/mcp")) as raw:
            headers = {**ACCEPT, **tenant.headers}
            response = await raw.post("/mcp", json=INITIALIZE, headers=headers)
            assert response.status_code == 429
            assert response.json()["code"] == "RATE_LIMITED"
            assert 1 <= int(response.headers["retry-after"]) <= 60
            assert response.json()["retryAfter"] == int(response.headers["retry-after"])


@pytest.mark.parametrize("mode", [LEGACY, SESSIONLESS])
async def test_bad_calls_get_clear_tool_errors(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, mode: str
) -> None:
    await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id, mode=mode) as agent:
        cases: list[tuple[str, dict[str, Any], str]] = [
            ("start_work", {"ticket": 99, "role": "dev"}, "Ticket not found"),
            ("start_work", {"ticket": "abc", "role": "dev"}, "ticket number"),
            ("start_work", {"ticket": 0, "role": "dev"}, "1 or more"),
            ("start_work", {"ticket": 1, "role": "  "}, "role"),
            ("start_work", {"ticket": 1}, "role"),
            ("stop_work", {}, "call start_work first"),
            ("report_progress", {"ticket": 1, "status": "x", "progress_pct": 150}, "0 to 100"),
            ("report_progress", {"ticket": 1, "status": "", "progress_pct": 5}, "status"),
            (
                "report_progress",
                {"ticket": 1, "status": "x", "progress_pct": "lots"},
                "progress_pct",
            ),
            ("move_ticket", {"ticket": 1, "column": "limbo"}, "backlog, todo"),
            ("create_ticket", {"title": ""}, "non-empty title"),
            ("get_ticket", {"ticket": str(uuid.uuid4())}, "Ticket not found"),
            ("list_tickets", {"column": "nope"}, "unknown column"),
            ("no_such_tool", {}, "no_such_tool"),
        ]
        for tool, arguments, expected in cases:
            result = await agent.call_tool(tool, arguments)
            assert expected in error_text(result), (tool, arguments, error_text(result))
        # After all that, the session is still fine and usable.
        assert not (await agent.call_tool("start_work", {"ticket": 1, "role": "dev"})).is_error


async def test_failed_calls_are_recorded_and_refresh_the_session(
    client: httpx.AsyncClient,
    mcp_url: str,
    tenant: Tenant,
    clock: FakeClock,
    db: AsyncSession,
    runtime: Runtime,
) -> None:
    await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        await agent.call_tool("heartbeat", {})
        clock.advance(30)
        await agent.call_tool("get_ticket", {"ticket": 42})
        clock.advance(30)
        await agent.call_tool("report_progress", {"ticket": 1, "status": 5})
    [session] = await sessions(client, tenant)
    assert session["last_activity_at"] == z(clock())
    await runtime.request_log.flush()
    records = list(
        await db.scalars(
            select(ActivityRecord)
            .where(ActivityRecord.method == "MCP")
            .order_by(ActivityRecord.timestamp)
        )
    )
    assert [(r.path, r.success, r.error_code, r.status_code) for r in records] == [
        ("mcp:heartbeat", True, None, 200),
        ("mcp:get_ticket", False, "NOT_FOUND", 404),
        ("mcp:report_progress", False, "INVALID_ARGUMENTS", 400),
    ]
    assert all(r.workspace_id == str(tenant.workspace_id) for r in records)


async def test_the_project_header_is_required_and_checked(
    mcp_url: str, tenant: Tenant, other_tenant: Tenant, runtime: Runtime, db: AsyncSession
) -> None:
    cases = [
        (None, "X-Project-Id header"),
        ("not-a-uuid", "is not a UUID"),
        (uuid.uuid4(), "Project not found"),
        (other_tenant.project_id, "Project not found"),
    ]
    for project, expected in cases:
        async with mcp_client(mcp_url, tenant.token, project) as agent:
            assert expected in error_text(await agent.call_tool("heartbeat", {}))
    await runtime.request_log.flush()
    records = list(await db.scalars(select(ActivityRecord).where(ActivityRecord.method == "MCP")))
    assert len(records) == 4 and not any(r.success for r in records)
    assert {r.org_id for r in records} == {tenant.org_id}


async def test_a_read_only_token_cannot_change_presence(
    mcp_url: str, tenant: Tenant, runtime: Runtime
) -> None:
    token = await make_token(runtime, tenant, [READ])
    async with mcp_client(mcp_url, token, tenant.project_id) as agent:
        assert "'write' permission" in error_text(await agent.call_tool("stop_work", {}))
        assert not (await agent.call_tool("list_tickets", {})).is_error


async def test_another_org_never_sees_presence(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant, other_tenant: Tenant
) -> None:
    await make_ticket(client, tenant, "One")
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        await agent.call_tool("start_work", {"ticket": 1, "role": "dev"})
    path = f"/api/projects/{other_tenant.project_id}/agent-activity"
    own = (await client.get(path, headers=other_tenant.headers)).json()
    assert own == {"sessions": [], "checkpoints": [], "session_history": []}
    for suffix in ("agent-activity", "agent-sessions?active=false", "tickets", "tickets/1"):
        foreign = f"/api/projects/{tenant.project_id}/{suffix}"
        assert (await client.get(foreign, headers=other_tenant.headers)).status_code == 404
    batch = {"project_ids": [str(tenant.project_id)]}
    response = await client.post(
        "/api/projects/agent-activity/batch", json=batch, headers=other_tenant.headers
    )
    assert response.status_code == 404


async def test_a_legacy_session_id_is_useless_with_another_token(
    mcp_url: str, tenant: Tenant, other_tenant: Tenant, runtime: Runtime
) -> None:
    second = await make_token(runtime, tenant, [READ])
    base = {**ACCEPT, "X-Project-Id": str(tenant.project_id)}
    async with httpx2.AsyncClient() as raw:
        opened = await raw.post(mcp_url, json=INITIALIZE, headers={**base, **tenant.headers})
        session_id = opened.headers["mcp-session-id"]
        with_session = {**base, "mcp-session-id": session_id, "mcp-protocol-version": "2025-11-25"}
        params = {"name": "heartbeat", "arguments": {}}
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": params}
        # Bound at initialize: another token that learns the id first cannot use it either.
        for thief in (second, other_tenant.token):
            stolen = {**with_session, "Authorization": f"Bearer {thief}"}
            theirs = await raw.post(mcp_url, json=call, headers=stolen)
            assert theirs.status_code == 404, theirs.text
            assert theirs.json()["error"]["message"] == "Session not found"
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        await raw.post(mcp_url, json=initialized, headers={**with_session, **tenant.headers})
        mine = await raw.post(mcp_url, json=call, headers={**with_session, **tenant.headers})
        assert mine.json()["result"]["isError"] is False
        stolen = {**with_session, "Authorization": f"Bearer {second}"}
        assert (await raw.post(mcp_url, json=call, headers=stolen)).status_code == 404
        forged = {**with_session, "mcp-session-id": session_id[:-2] + "AA", **tenant.headers}
        assert (await raw.post(mcp_url, json=call, headers=forged)).status_code == 404


async def test_the_sdk_client_reaches_every_tool(mcp_url: str, tenant: Tenant) -> None:
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        assert isinstance(agent, Client)
        names = {tool.name for tool in (await agent.list_tools()).tools}
    assert names == {
        "start_work",
        "stop_work",
        "report_progress",
        "heartbeat",
        "list_tickets",
        "get_ticket",
        "create_ticket",
        "move_ticket",
    }


async def test_an_argument_with_a_nul_character_is_never_an_internal_error(
    client: httpx.AsyncClient,
    mcp_url: str,
    tenant: Tenant,
    db: AsyncSession,
    runtime: Runtime,
) -> None:
    """PostgreSQL refuses a NUL character (such a call was once "an unexpected error
    occurred"): every engine refuses it alike, as the REST families do, with a clear tool error."""
    await make_ticket(client, tenant, "One")
    calls: list[tuple[str, dict[str, Any]]] = [
        ("create_ticket", {"title": "a\x00"}),
        ("start_work", {"ticket": 1, "role": "d\x00"}),
        ("report_progress", {"ticket": 1, "status": "x\x00", "progress_pct": 5}),
    ]
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        results = [await agent.call_tool(tool, arguments) for tool, arguments in calls]
    await runtime.request_log.flush()
    records = await db.scalars(select(ActivityRecord).where(ActivityRecord.method == "MCP"))
    codes = {r.path: r.error_code for r in records}
    assert all("NUL character" in error_text(result) for result in results)
    assert codes == {f"mcp:{tool}": "INVALID_ARGUMENTS" for tool, _ in calls}
