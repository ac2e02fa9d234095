"""In headless Chromium: the Activity page hides the dashboard's own reads by default (they
would drown the agents' actions), shows them when the toggle is off, and keeps the choice in
the address bar."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from agent_activity.db.models import ActivityRecord
from agent_activity.runtime import Runtime
from tests.factories import Tenant
from tests.tickets.arrange import write
from tests.web.browser import LAPTOP, chromium, sign_in
from tests.web.helpers import agent_tool_call

pytestmark = pytest.mark.browser


@pytest.fixture
def dialect() -> str:
    return "sqlite"  # the browser tests are about the page, not the engine


async def stored_after_flush(runtime: Runtime, path: str) -> None:
    """Flush the request log until the dashboard's read of ``path`` is stored: the page can be
    live before that read's record reaches the log, which is written behind the answer."""
    for _ in range(50):
        await runtime.request_log.flush()
        async with runtime.sessionmaker() as session:
            found = await session.scalar(
                select(ActivityRecord.id).where(ActivityRecord.path == path).limit(1)
            )
        if found is not None:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the dashboard's read of {path} was never logged")


async def test_the_feed_hides_the_dashboards_own_reads_until_asked(
    base_url: str, runtime: Runtime, tenant: Tenant
) -> None:
    await write(runtime, [agent_tool_call(tenant.org_id, runtime.now())])
    board_read = f"/api/projects/{tenant.project_id}/tickets"
    async with chromium() as browser:
        page = await browser.new_page(viewport=LAPTOP)
        await sign_in(page, base_url, tenant.token)  # the board's reads, made by the dashboard
        await expect(page.locator("#live")).to_have_text("Live")
        await stored_after_flush(runtime, board_read)
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


async def test_the_summary_panel_follows_the_same_toggle(
    base_url: str, runtime: Runtime, tenant: Tenant
) -> None:
    await write(runtime, [agent_tool_call(tenant.org_id, runtime.now())])
    board_read = f"/api/projects/{tenant.project_id}/tickets"
    async with chromium() as browser:
        page = await browser.new_page(viewport=LAPTOP)
        await sign_in(page, base_url, tenant.token)
        await expect(page.locator("#live")).to_have_text("Live")
        await stored_after_flush(runtime, board_read)
        await page.goto(f"{base_url}/activity")
        requests = page.locator("#totals div", has_text="Requests").locator("dd")
        actions = page.locator("#chart-action")
        # Hidden by default: the agent's one tool call is all the summary counts.
        await expect(page.get_by_label("Hide the dashboard's own reads")).to_be_checked()
        await expect(requests).to_have_text("1")
        await expect(actions).to_contain_text("start_work")

        await page.get_by_label("Hide the dashboard's own reads").uncheck()
        await expect(requests).not_to_have_text("1")
        shown = int((await requests.inner_text()).replace(",", ""))
        assert shown > 1  # the board's reads, counted again
        await page.get_by_label("Hide the dashboard's own reads").check()
        await expect(requests).to_have_text("1")
