"""End to end in headless Chromium: an agent's runs, filtered, sorted and grouped by trigger."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from agent_activity.domain.tenancy.principal import READ
from agent_activity.runtime import Runtime
from tests.factories import Tenant, make_token
from tests.web.browser import LAPTOP, UNLABELLED_CONTROLS, chromium, screenshot, sign_in

pytestmark = pytest.mark.browser

RUNS = [  # (trigger, final status, tokens)
    ("manual", "completed", 1200),
    ("schedule", "completed", 800),
    ("schedule", "failed", 300),
    ("webhook", "running", 0),
    ("email_received", "cancelled", 0),
    ("manual", "pending", 0),
]


@pytest.fixture
def dialect() -> str:
    return "sqlite"


async def make_agent(client: httpx.AsyncClient, tenant: Tenant) -> str:
    made = await client.post(
        "/api/agents/",
        json={
            "name": "Triage bot",
            "description": "Sorts the inbox",
            "workspace_id": str(tenant.workspace_id),
        },
        headers=tenant.headers,
    )
    assert made.status_code == 201, made.text
    agent: dict[str, Any] = made.json()["data"]
    uid = str(agent["id"])
    for trigger, status, tokens in RUNS:
        run = await client.post(
            f"/api/agents/{uid}/runs", json={"trigger_type": trigger}, headers=tenant.headers
        )
        assert run.status_code == 201, run.text
        run_id = run.json()["data"]["id"]
        path = ["running", status] if status in ("completed", "failed") else [status]
        for step in path:
            if step == "pending":
                continue
            body: dict[str, Any] = {"status": step}
            if step == status and tokens:
                body["token_usage"] = {"input": tokens // 2, "output": tokens - tokens // 2}
            moved = await client.patch(
                f"/api/agents/{uid}/runs/{run_id}", json=body, headers=tenant.headers
            )
            assert moved.status_code == 200, moved.text
    return uid


async def test_runs_filtered_sorted_and_grouped(
    client: httpx.AsyncClient, base_url: str, tenant: Tenant
) -> None:
    uid = await make_agent(client, tenant)
    async with chromium() as browser:
        page = await browser.new_page(viewport=LAPTOP)
        await sign_in(page, base_url, tenant.token, "/agents")
        await expect(page.locator("#agent-info")).to_contain_text("Sorts the inbox")
        rows = page.locator("table.runs tbody tr")
        await expect(rows).to_have_count(len(RUNS))
        await expect(page.locator("#runs-count")).to_have_text("(6)")
        # The owner's token may see token usage: the column is there with the sums.
        await expect(page.get_by_role("columnheader", name="Tokens")).to_be_visible()
        await expect(page.locator("table.runs")).to_contain_text("1,200")
        assert await page.evaluate(UNLABELLED_CONTROLS) == []

        await page.get_by_role("checkbox", name="failed").check()
        await page.get_by_role("checkbox", name="completed").check()
        await page.get_by_role("button", name="Apply").click()
        await expect(rows).to_have_count(3)
        assert "status=completed%2Cfailed" in page.url or "status=completed,failed" in page.url

        await page.get_by_label("Sort by").select_option("+status")
        await page.get_by_label("Group").select_option("trigger")
        await page.get_by_role("button", name="Apply").click()
        captions = page.locator("table.runs caption")
        await expect(captions).to_have_count(2)
        await expect(captions.nth(0)).to_contain_text("manual")
        await expect(captions.nth(1)).to_contain_text("schedule · 2 runs")
        schedule = page.locator("table.runs").nth(1).locator("tbody tr")
        await expect(schedule.nth(0)).to_contain_text("completed")
        await expect(schedule.nth(1)).to_contain_text("failed")
        await screenshot(page, "agents-grouped")

        # A bookmark of this view restores it.
        await page.reload()
        await expect(captions).to_have_count(2)
        await expect(page.get_by_role("checkbox", name="failed")).to_be_checked()
        assert uid in page.url


async def test_token_usage_stays_hidden_without_its_permission(
    client: httpx.AsyncClient, base_url: str, tenant: Tenant, runtime: Runtime
) -> None:
    await make_agent(client, tenant)
    reader = await make_token(runtime, tenant, [READ])
    async with chromium() as browser:
        page = await browser.new_page(viewport=LAPTOP)
        await sign_in(page, base_url, reader, "/agents")
        await expect(page.locator("table.runs tbody tr")).to_have_count(len(RUNS))
        await expect(page.get_by_role("columnheader", name="Tokens")).to_have_count(0)
        await expect(page.locator("#runs-error")).to_be_hidden()
