"""In headless Chromium: a ticket's own page, reached from its card on the board, shows its
timeline oldest first (work, checkpoint, tool calls with the failed one marked, model requests)
with paging, the breakdowns by agent, person and model by name, and a cost chart with one point
per hour that counted anything; a record attributed to the ticket appears without a reload."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from playwright.async_api import expect

from agent_activity.config import Settings
from agent_activity.db.base import utcnow
from agent_activity.runtime import Clock, Runtime
from tests.factories import Tenant
from tests.tickets.arrange import (
    checkpoint,
    make_board,
    model_request,
    start,
    stop,
    tool_call,
    write,
)
from tests.web.browser import (
    HORIZONTAL_OVERFLOW,
    LAPTOP,
    PHONE,
    UNLABELLED_CONTROLS,
    chromium,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser
LIVE_MS = 5000
TOOL_CALLS = 55  # more than one page of the timeline (50)


@pytest.fixture
def dialect() -> str:
    return "sqlite"  # the browser tests are about the page, not the engine


@pytest.fixture
def clock() -> Clock:
    return utcnow


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, rate_limit_per_minute=0)


async def test_the_ticket_page_tells_the_story_and_updates_live(
    base_url: str, runtime: Runtime, tenant: Tenant
) -> None:
    now = utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    board = await make_board(runtime, tenant, hour, tickets=2, agents=1)
    ticket = board.tickets[0]
    # Three hours that count something: a model request, then the tool calls, then the work.
    records = [
        model_request(board, ticket, hour + timedelta(minutes=10), "claude-x", (1, 2, 3, 4), 0.25)
    ]
    for i in range(TOOL_CALLS):
        at = hour + timedelta(hours=1, minutes=5, seconds=i)
        records.append(tool_call(board, ticket, at, success=i != 3))
    records.append(
        model_request(
            board, ticket, hour + timedelta(hours=2, minutes=10), "claude-x", (10, 20, 0, 0), 0.5
        )
    )
    await write(runtime, records)
    await start(runtime, board, 0, 0, hour + timedelta(hours=2, minutes=5))
    await checkpoint(runtime, board, 0, hour + timedelta(hours=2, minutes=20))
    await stop(runtime, board, 0, hour + timedelta(hours=2, minutes=30))
    entries = len(records) + 2  # and the interval and the checkpoint

    async with chromium() as browser:
        page = await browser.new_page(viewport=LAPTOP)
        await sign_in(page, base_url, tenant.token)
        await page.locator('.ticket[data-ticket="1"] a.ticket-link').click()
        await page.wait_for_url(f"{base_url}/board/{tenant.project_id}/tickets/1")
        await expect(page.locator("#ticket-title")).to_have_text("#1 Ticket 0")
        await expect(page.locator("#live")).to_have_text("Live", timeout=LIVE_MS)

        timeline = page.locator("#timeline .entry")
        await expect(timeline).to_have_count(50)
        await expect(timeline.first).to_have_attribute("data-kind", "activity")
        await expect(timeline.first).to_contain_text("claude-x")
        failed = page.locator("#timeline .entry.failed")
        await expect(failed).to_have_count(1)
        await expect(failed).to_contain_text("failed")
        await expect(failed).to_contain_text("Bash")
        await page.get_by_role("button", name="Load more").click()
        await expect(timeline).to_have_count(entries)
        await expect(page.get_by_role("button", name="Load more")).to_be_hidden()
        work = page.locator("#timeline .entry.interval")
        await expect(work).to_contain_text("claude-code · dev")
        await expect(work).to_contain_text("worked 25m 0s")
        await expect(work).to_contain_text("Admin")
        await expect(page.locator("#timeline .entry.checkpoint progress")).to_have_attribute(
            "value", "50"
        )
        model = page.locator("#timeline .entry.model").last
        await expect(model).to_contain_text("30 tokens")
        await expect(model).to_contain_text("$0.50")

        await expect(page.locator("#ticket-totals")).to_contain_text("$0.75")
        await expect(page.locator("#by-agent tbody tr")).to_have_count(1)
        await expect(page.locator("#by-agent")).to_contain_text("claude-code · dev")
        await expect(page.locator("#by-user tbody tr")).to_contain_text("Admin")
        await expect(page.locator("#by-model tbody tr")).to_contain_text("claude-x")
        await expect(page.locator("#cost-chart svg circle.point")).to_have_count(3)
        label = await page.locator("#cost-chart svg").get_attribute("aria-label")
        assert label is not None and "$0.75" in label

        # People and agents by name: no raw id of the person or the agent session anywhere.
        text = await page.locator("main").inner_text()
        assert str(tenant.user_id) not in text
        assert str(board.agents[0]) not in text
        assert await page.evaluate(UNLABELLED_CONTROLS) == []
        await screenshot(page, "ticket-page")
        await page.set_viewport_size(PHONE)
        assert await page.evaluate(HORIZONTAL_OVERFLOW) <= 0
        await screenshot(page, "ticket-page-phone")
        await page.set_viewport_size(LAPTOP)

        # A record attributed to the ticket lands (as the OTLP receiver writes it): shown live.
        written = time.monotonic()
        await write(
            runtime, [model_request(board, ticket, utcnow(), "claude-x", (5, 5, 0, 0), 1.0)]
        )
        await expect(timeline).to_have_count(entries + 1, timeout=LIVE_MS)
        print(f"ticket page live update: {time.monotonic() - written:.2f} s")
        await expect(page.locator("#timeline .entry.fresh")).to_have_count(1)
        await expect(page.locator("#timeline .entry.fresh")).to_contain_text("$1.00")
        await expect(page.locator("#cost-chart svg circle.point")).to_have_count(4)
        await expect(page.locator("#ticket-totals")).to_contain_text("$1.75")


async def test_a_ticket_nobody_worked_on_says_so_and_the_expensive_list_links_to_pages(
    base_url: str, runtime: Runtime, tenant: Tenant
) -> None:
    now = utcnow()
    board = await make_board(runtime, tenant, now - timedelta(minutes=5), tickets=2, agents=1)
    await write(runtime, [model_request(board, board.tickets[1], now, "gpt-x", (1, 1, 0, 0), 0.1)])
    async with chromium() as browser:
        page = await browser.new_page(viewport=LAPTOP)
        await sign_in(page, base_url, tenant.token)
        link = page.locator('#expensive li[data-ticket="2"] a.ticket-link')
        await expect(link).to_have_attribute("href", f"/board/{tenant.project_id}/tickets/2")

        await page.goto(f"{base_url}/board/{tenant.project_id}/tickets/1")
        await expect(page.locator("#ticket-title")).to_have_text("#1 Ticket 0")
        await expect(page.locator("#timeline-empty")).to_be_visible()
        await expect(page.locator("#cost-chart")).to_contain_text("No cost counted yet")
        await expect(page.locator("#by-agent")).to_contain_text("No agent has worked")
        await expect(page.locator("#ticket-totals")).to_contain_text("$0.00")

        await page.set_viewport_size(PHONE)
        await expect(page.locator("#timeline-empty")).to_be_visible()
        assert await page.evaluate(HORIZONTAL_OVERFLOW) <= 0

        await page.goto(f"{base_url}/board/{tenant.project_id}/tickets/99")
        await expect(page.locator("#ticket-error")).to_be_visible()
