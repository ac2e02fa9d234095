"""The board's event stream: a change event within 2 s of an MCP tool call, whichever process
served the call, when a session turns stale, and a sign-out when the token is revoked."""

from __future__ import annotations

import time
import uuid
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.db.models import ApiToken
from agent_activity.domain.tenancy.tokens import hash_token
from agent_activity.web.live import RECHECK_S
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.web.helpers import EventReader, mcp_session, open_stream, serve

WITHIN_S = 5.0  # live, with room for a loaded CI machine (see test_browser_board.py)


def board_stream(
    http: httpx.AsyncClient, project_id: uuid.UUID
) -> AbstractAsyncContextManager[EventReader]:
    return open_stream(http, f"/ui/api/projects/{project_id}/events")


async def test_an_mcp_tool_call_and_staleness_reach_the_stream(
    browser: httpx.AsyncClient,
    base_url: str,
    tenant: Tenant,
    clock: FakeClock,
    settings: Settings,
) -> None:
    ticket = await browser.post(
        f"/ui/api/projects/{tenant.project_id}/tickets",
        json={"title": "Wire the board"},
        headers={"X-Dashboard": "1"},
    )
    assert ticket.status_code == 201
    async with (
        board_stream(browser, tenant.project_id) as reader,
        mcp_session(base_url, tenant.token, tenant.project_id) as agent,
    ):
        called = time.monotonic()
        result = await agent.call_tool("start_work", {"ticket": 1, "role": "implementer"})
        assert not result.is_error, result
        event, data = await reader.next(WITHIN_S)
        assert event == "change" and data["first"] is False
        assert time.monotonic() - called < WITHIN_S
        live = (await browser.get(f"/ui/api/projects/{tenant.project_id}/agent-activity")).json()
        assert [s["stale"] for s in live["sessions"]] == [False]

        clock.advance(settings.stale_after_s + 1)
        event, _ = await reader.next(WITHIN_S)
        assert event == "change"
        live = (await browser.get(f"/ui/api/projects/{tenant.project_id}/agent-activity")).json()
        assert [s["stale"] for s in live["sessions"]] == [True]


async def test_a_change_served_by_another_process_reaches_the_stream(
    browser: httpx.AsyncClient, tenant: Tenant, settings: Settings, clock: FakeClock
) -> None:
    """Two app instances on one database: the stream of one sees a write through the other."""
    other = create_app(settings, clock=clock)
    async with (
        other.router.lifespan_context(other),
        serve(other) as other_url,
        httpx.AsyncClient(base_url=other_url) as second,
        board_stream(browser, tenant.project_id) as reader,
    ):
        started = time.monotonic()
        made = await second.post(
            f"/api/projects/{tenant.project_id}/tickets",
            json={"title": "From elsewhere"},
            headers=tenant.headers,
        )
        assert made.status_code == 201
        event, _ = await reader.next(WITHIN_S)
        assert event == "change"
        assert time.monotonic() - started < WITHIN_S


async def test_nothing_changes_nothing_is_sent(browser: httpx.AsyncClient, tenant: Tenant) -> None:
    async with board_stream(browser, tenant.project_id) as reader:
        with pytest.raises(TimeoutError):
            await reader.next(2.5)


async def test_a_revoked_token_ends_the_stream(
    browser: httpx.AsyncClient, tenant: Tenant, db: AsyncSession, clock: FakeClock
) -> None:
    async with board_stream(browser, tenant.project_id) as reader:
        token = await db.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_token(tenant.token))
        )
        assert token is not None
        token.revoked_at = clock()
        await db.commit()
        clock.advance(RECHECK_S + 1)
        event, data = await reader.next(WITHIN_S + 1)
        if event == "change":  # the clock jump may be noticed first
            event, data = await reader.next(WITHIN_S + 1)
        assert event == "signed-out"
        assert "revoked" in data["reason"]


async def test_the_stream_needs_access_to_the_project(
    browser: httpx.AsyncClient, base_url: str, other_tenant: Tenant
) -> None:
    foreign = await browser.get(f"/ui/api/projects/{other_tenant.project_id}/events")
    assert foreign.status_code == 404
    async with httpx.AsyncClient(base_url=base_url) as anonymous:
        response = await anonymous.get(f"/ui/api/projects/{other_tenant.project_id}/events")
        assert response.status_code == 401
