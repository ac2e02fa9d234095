"""End to end in headless Chromium: the activity feed filtered and scrolled page by page, and
the summary panel's charts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import expect

from agent_activity.domain.activity.store import write_activity_records
from agent_activity.runtime import Runtime
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

pytestmark = pytest.mark.browser
CREATES = 30
READS = 90


@pytest.fixture
def dialect() -> str:
    return "sqlite"


@pytest.fixture
async def records(runtime: Runtime, tenant: Tenant) -> None:
    """120 records in the tenant's workspace over the last two hours; every fifth one failed."""
    now = runtime.now()
    rows: list[dict[str, Any]] = []
    for i in range(CREATES + READS):
        action = "create" if i < CREATES else "read"
        rows.append(
            {
                "org_id": tenant.org_id,
                "timestamp": now - timedelta(seconds=60 * i + 5),
                "workspace_id": str(tenant.workspace_id),
                "user_id": str(tenant.user_id),
                "principal_type": "user",
                "principal_id": str(tenant.user_id),
                "method": "POST" if action == "create" else "GET",
                "path": f"/api/things/{i}",
                "resource_type": "ticket" if i % 2 else "project",
                "resource_id": f"thing-{i}",
                "action": action,
                "status_code": 500 if i % 5 == 0 else 200,
                "success": i % 5 != 0,
                "duration_ms": 10.0 + i,
                "token_usage": {"input": 10, "output": 5},
            }
        )
    async with runtime.sessionmaker() as session, session.begin():
        await write_activity_records(session, rows)


async def test_feed_scrolls_by_cursor_and_filters_change_it(
    base_url: str, tenant: Tenant, records: None
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(viewport=LAPTOP)
        target = f"/activity?level=workspace&id={tenant.workspace_id}"
        await sign_in(page, base_url, tenant.token, target)
        items = page.locator("#feed .feed-item")
        await expect(items).to_have_count(50)
        await expect(page.locator("#feed-count")).to_contain_text("50 of")

        # Scrolling to the end of the feed loads the next page (by its cursor), and the next.
        await page.locator("#feed-end").scroll_into_view_if_needed()
        await expect(items).to_have_count(100)
        await page.locator("#feed-end").scroll_into_view_if_needed()
        await expect(items.nth(CREATES + READS - 1)).to_be_attached()
        times = await page.eval_on_selector_all(
            "#feed time", "nodes => nodes.map((n) => n.getAttribute('datetime'))"
        )
        assert len(times) == len(set(times)) == CREATES + READS  # none twice, none skipped
        assert times == sorted(times, reverse=True)  # newest first across pages

        # Summary: the spec's totals, and charts drawn as SVG with their data.
        totals = page.locator("#totals")
        await expect(totals).to_contain_text("Requests")
        await expect(page.locator("#chart-requests svg.chart")).to_be_visible()
        await expect(page.locator("#chart-tokens svg.chart")).to_be_visible()
        await expect(page.locator("#chart-action")).to_contain_text("create")
        await expect(page.locator("#chart-resource")).to_contain_text("ticket")
        await expect(page.locator("#chart-outcome")).to_contain_text("failed")
        label = await page.locator("#chart-requests svg").get_attribute("aria-label")
        assert label is not None and "in total" in label
        await page.get_by_label("7 days").check()
        await expect(page.locator("#chart-requests svg rect.bar").first).to_be_attached()
        assert "hours=168" in page.url
        await screenshot(page, "activity")

        # A filter changes the feed: only the 30 "create" records remain.
        await page.get_by_label("Action", exact=True).fill("create")
        await page.get_by_role("button", name="Apply").click()
        await expect(page.locator("#feed-count")).to_have_text(f"({CREATES} of {CREATES})")
        await expect(items).to_have_count(CREATES)
        for text in await items.locator(".what strong").all_inner_texts():
            assert text == "create"
        await page.get_by_label("Outcome").select_option("error")
        await page.get_by_role("button", name="Apply").click()
        await expect(items).to_have_count(CREATES // 5)
        await expect(page.locator("#feed-end")).to_have_attribute("data-end", "true")
        assert "action=create" in page.url and "status=error" in page.url
        assert await page.evaluate(UNLABELLED_CONTROLS) == []


async def test_levels_and_phone_width(base_url: str, tenant: Tenant, records: None) -> None:
    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE)
        await sign_in(page, base_url, tenant.token, "/activity")
        items = page.locator("#feed .feed-item")
        await expect(items).to_have_count(50)
        # Search filters belong to a workspace; at org level they are disabled and explained.
        await expect(page.get_by_label("Action", exact=True)).to_be_disabled()
        await expect(page.locator("#search-hint")).to_be_visible()
        assert await page.evaluate(HORIZONTAL_OVERFLOW) <= 0
        await screenshot(page, "activity-phone")

        await page.get_by_label("Level").select_option("user")
        await expect(page.get_by_label("Which")).to_have_value(str(tenant.user_id))
        await expect(items).to_have_count(50)
        await expect(page.locator("#totals")).to_contain_text("Requests")

        await page.get_by_label("Level").select_option("app")
        await expect(page.locator("#feed-error")).to_be_hidden()
        await expect(items).to_have_count(0)  # the tenant has no app
