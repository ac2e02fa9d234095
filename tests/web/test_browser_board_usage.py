"""In headless Chromium: each ticket card shows its agent time and cost from the board's one
usage request, the project's most expensive tickets are listed, and every column of the board
fits a 1400 px wide window."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from playwright.async_api import Request, ViewportSize, expect

from agent_activity.config import Settings
from agent_activity.db.base import utcnow
from agent_activity.runtime import Clock, Runtime
from tests.factories import Tenant
from tests.tickets.arrange import make_board, model_request, start, stop, tool_call, write
from tests.web.browser import chromium, sign_in
from tests.web.helpers import mcp_session

pytestmark = pytest.mark.browser
LIVE_MS = 5000
NARROW: ViewportSize = {"width": 1400, "height": 900}

# Right edges of the board's columns, and where the window and the board's own scroll box end
# (a column past the board's box is cut off even when it is inside the window), in CSS pixels.
COLUMN_EDGES = """() => ({
  width: document.documentElement.clientWidth,
  board: document.getElementById('board').getBoundingClientRect().right,
  edges: [...document.querySelectorAll('.column')].map((c) => c.getBoundingClientRect().right),
})"""


@pytest.fixture
def dialect() -> str:
    return "sqlite"  # the browser tests are about the page, not the engine


@pytest.fixture
def clock() -> Clock:
    return utcnow


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, rate_limit_per_minute=0)


async def test_cards_show_time_and_cost_and_the_board_fits_1400_px(
    client: httpx.AsyncClient, base_url: str, runtime: Runtime, tenant: Tenant
) -> None:
    now = utcnow()
    board = await make_board(runtime, tenant, now - timedelta(minutes=10), tickets=2, agents=1)
    title = "A finished ticket with a long title that must not widen its column"
    response = await client.post(
        f"/api/projects/{tenant.project_id}/tickets",
        json={"title": title, "column": "done"},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    await start(runtime, board, 0, 1, now - timedelta(minutes=10))
    at = now - timedelta(minutes=5)
    await write(
        runtime,
        [
            tool_call(board, board.tickets[1], at),
            tool_call(board, board.tickets[1], at, success=False),
            model_request(board, board.tickets[1], at, "claude-opus-5-5", (10, 20, 30, 40), 0.25),
        ],
    )
    usage_requests: list[str] = []
    board_loads: list[str] = []

    def count_usage(request: Request) -> None:
        path = request.url.split("?")[0]
        if path.endswith("/usage"):
            usage_requests.append(path)
        elif path.endswith(f"/projects/{tenant.project_id}/tickets"):
            board_loads.append(path)

    async with chromium() as browser:
        page = await browser.new_page(viewport=NARROW)
        page.on("request", count_usage)
        await sign_in(page, base_url, tenant.token)
        card = page.locator('.ticket[data-ticket="2"]')
        await expect(card.locator(".cost")).to_have_text("$0.25")

        async with mcp_session(base_url, tenant.token, tenant.project_id) as agent:
            assert not (await agent.call_tool("start_work", {"ticket": 3, "role": "dev"})).is_error
            session = page.locator("#sessions .session")
            await expect(session).to_contain_text("Admin", timeout=LIVE_MS)  # by name
            await expect(session).not_to_contain_text(str(tenant.user_id))
        await expect(card.locator(".agent-time")).to_contain_text("m")
        await expect(page.locator('.ticket[data-ticket="1"] .cost')).to_have_text("$0.00")
        expensive = page.locator("#expensive li")
        await expect(expensive).to_have_count(1)
        await expect(expensive).to_contain_text("#2")
        await expect(expensive).to_contain_text("$0.25")
        # One usage request per load of the whole board, not one per ticket.
        assert len(usage_requests) == len(board_loads) >= 1

        await expect(page.locator(".column")).to_have_count(5)
        measured = await page.evaluate(COLUMN_EDGES)
        assert measured["width"] <= 1400
        visible = min(measured["width"], measured["board"])
        assert all(edge <= visible + 0.5 for edge in measured["edges"]), measured

        # Stopping the work is a change of the board: the cards refetch their usage live.
        async with page.expect_request(
            lambda request: request.url.split("?")[0].endswith("/usage"), timeout=LIVE_MS
        ):
            await stop(runtime, board, 0, utcnow())
        await expect(card.locator(".cost")).to_have_text("$0.25")

        async with mcp_session(base_url, tenant.token, tenant.project_id) as agent:
            assert not (await agent.call_tool("start_work", {"ticket": 3, "role": "dev"})).is_error
            session = page.locator("#sessions .session")
            await expect(session).to_contain_text("Admin", timeout=LIVE_MS)  # by name
            await expect(session).not_to_contain_text(str(tenant.user_id))
