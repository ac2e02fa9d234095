"""In headless Chromium: the Activity page hides the dashboard's own reads by default (they
would drown the agents' actions), shows them when the toggle is off, and keeps the choice in
the address bar."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from playwright.async_api import expect

from agent_activity.runtime import Runtime
from tests.factories import Tenant
from tests.tickets.arrange import write
from tests.web.browser import LAPTOP, chromium, sign_in
from tests.web.helpers import agent_tool_call, serve

pytestmark = pytest.mark.browser


@pytest.fixture
def dialect() -> str:
    return "sqlite"  # the browser tests are about the page, not the engine


@pytest.fixture
async def base_url(app: FastAPI) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


async def test_the_feed_hides_the_dashboards_own_reads_until_asked(
    base_url: str, runtime: Runtime, tenant: Tenant
) -> None:
    await write(runtime, [agent_tool_call(tenant.org_id, runtime.now())])
    board_read = f"/api/projects/{tenant.project_id}/tickets"
    async with chromium() as browser:
        page = await browser.new_page(viewport=LAPTOP)
        await sign_in(page, base_url, tenant.token)  # the board's reads, made by the dashboard
        await expect(page.locator("#live")).to_have_text("Live")
        await runtime.request_log.flush()
        await page.goto(f"{base_url}/activity")
        toggle = page.get_by_label("Hide the dashboard's own reads")
        await expect(toggle).to_be_checked()
        feed = page.locator("#feed .feed-item")
        await expect(feed.filter(has_text="mcp:start_work")).to_have_count(1)
        await expect(feed.filter(has_text=board_read)).to_have_count(0)

        await toggle.uncheck()
        await expect(feed.filter(has_text=board_read).first).to_be_visible()
        await expect(feed.filter(has_text="mcp:start_work")).to_have_count(1)
        assert "own_reads=shown" in page.url
        await page.reload()
        await expect(page.get_by_label("Hide the dashboard's own reads")).not_to_be_checked()
