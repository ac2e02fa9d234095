"""End to end in headless Chromium: sign in, see the board, an MCP client's chip appears live
and turns stale after the threshold; the page works at phone width and by keyboard."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.async_api import expect

from agent_activity.config import Settings
from agent_activity.db.base import utcnow
from agent_activity.runtime import Clock
from tests.factories import Tenant
from tests.web.browser import (
    HORIZONTAL_OVERFLOW,
    LAPTOP,
    PHONE,
    UNLABELLED_CONTROLS,
    chromium,
    screenshot,
    sign_in,
)
from tests.web.helpers import mcp_session

pytestmark = pytest.mark.browser
STALE_AFTER_S = 3.0

# "Live": well within one stale threshold. One poll interval (1 s) plus the refetch is the
# design (0.8 s measured, printed below); the bound leaves room for a loaded CI machine, since
# speed is measured in bench/, not asserted here.
LIVE_MS = 5000


@pytest.fixture
def dialect() -> str:
    return "sqlite"  # the browser tests are about the page, not the engine


@pytest.fixture
def clock() -> Clock:
    return utcnow  # real time: the chip must turn stale by itself


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, rate_limit_per_minute=0, stale_after_s=STALE_AFTER_S)


async def add_tickets(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for title, column in [
        ("Wire the live board", "in_progress"),
        ("Write the dashboard docs", "todo"),
        ("Pick chart colours", "done"),
    ]:
        response = await client.post(
            f"/api/projects/{tenant.project_id}/tickets",
            json={"title": title, "column": column},
            headers=tenant.headers,
        )
        assert response.status_code == 201, response.text


async def test_board_shows_an_agent_live_and_then_stale(
    client: httpx.AsyncClient, base_url: str, tenant: Tenant
) -> None:
    await add_tickets(client, tenant)
    async with chromium() as browser:
        page = await browser.new_page(viewport=LAPTOP)
        await sign_in(page, base_url, tenant.token)
        await expect(page.get_by_role("heading", name="Board", exact=True)).to_be_visible()
        await expect(page.locator("#live")).to_have_text("Live")
        ticket = page.locator('.ticket[data-ticket="1"]')
        await expect(ticket).to_contain_text("Wire the live board")
        await expect(page.locator(".column")).to_have_count(5)
        await expect(ticket.locator(".chip")).to_have_count(0)

        async with mcp_session(base_url, tenant.token, tenant.project_id) as agent:
            result = await agent.call_tool("start_work", {"ticket": 1, "role": "implementer"})
            assert not result.is_error
            called = time.monotonic()
            chip = ticket.locator(".chip")
            await expect(chip).to_have_count(1, timeout=LIVE_MS)
            latency = time.monotonic() - called
            await expect(chip).to_contain_text("implementer")
            await expect(chip).to_contain_text("claude-code")
            await expect(chip).not_to_have_class("chip stale")
            result = await agent.call_tool(
                "report_progress",
                {
                    "ticket": 1,
                    "status": "testing",
                    "progress_pct": 40,
                    "details": "3 of 5 suites pass",
                },
            )
            assert not result.is_error
            progress = ticket.locator("progress")
            await expect(progress).to_have_attribute("value", "40", timeout=LIVE_MS)
            await expect(ticket.locator(".progress")).to_contain_text("testing")
            await expect(ticket.locator(".progress")).to_contain_text("3 of 5 suites pass")
            await expect(page.locator("#sessions .session")).to_have_count(1)
            await screenshot(page, "board-live")

            # No tool call for longer than the threshold: the chip says so.
            await expect(chip).to_have_class("chip stale", timeout=(STALE_AFTER_S + 3) * 1000)
            await expect(chip.locator(".stale-badge")).to_have_text("stale")
            await expect(page.locator("#sessions .session .stale-badge")).to_be_visible()
            await screenshot(page, "board-stale")

            await agent.call_tool("stop_work", {})
            await expect(page.locator("#history li")).to_contain_text("#1", timeout=LIVE_MS)
            await expect(chip).to_have_count(0, timeout=LIVE_MS)
        print(f"chip appeared {latency:.2f} s after the start_work call returned")
        assert latency < LIVE_MS / 1000


async def test_board_at_phone_width_and_by_keyboard(
    client: httpx.AsyncClient, base_url: str, tenant: Tenant
) -> None:
    await add_tickets(client, tenant)
    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE)
        await sign_in(page, base_url, tenant.token)
        await expect(page.locator('.ticket[data-ticket="2"]')).to_be_visible()
        assert await page.evaluate(HORIZONTAL_OVERFLOW) <= 0
        assert await page.evaluate(UNLABELLED_CONTROLS) == []
        await screenshot(page, "board-phone")

        # The first Tab reaches the skip link, which moves focus to the content.
        await page.keyboard.press("Tab")
        await expect(page.locator(".skip-link")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(page.locator("main")).to_be_focused()

        # Move a ticket with the keyboard alone.
        move = page.get_by_label("Move #2 to")
        await move.focus()
        await move.select_option("review")
        column = page.locator(".column", has=page.get_by_role("heading", name="review"))
        await expect(column.locator('.ticket[data-ticket="2"]')).to_be_visible(timeout=3000)

        # Sign out from the menu bar.
        await page.get_by_role("button", name="Sign out").click()
        await page.wait_for_url("**/signin")
        await page.goto(f"{base_url}/board")
        assert "/signin" in page.url
