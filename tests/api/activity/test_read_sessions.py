"""Requests that only read (the activity log's feeds, summaries and search, an agent and its
runs list) run without a transaction on PostgreSQL: no BEGIN and no COMMIT, two round trips
fewer per request. They still see what was written, and writes keep their transactions."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from agent_activity.config import Settings
from agent_activity.runtime import Runtime
from tests.api.activity.helpers import activity, ingest
from tests.conftest import FakeClock
from tests.factories import Tenant

pytestmark = pytest.mark.parametrize("dialect", ["postgresql"])


@pytest.fixture
def settings(database_url: str) -> Settings:
    # No request-log writer: its flushes would begin transactions of their own meanwhile.
    return Settings(database_url=database_url, rate_limit_per_minute=0, request_log_enabled=False)


async def test_feeds_summaries_and_search_begin_no_transaction(
    client: httpx.AsyncClient,
    tenant: Tenant,
    clock: FakeClock,
    runtime: Runtime,
    transactions: list[str],
) -> None:
    now = clock()
    records = [activity(now - timedelta(minutes=n), action="read") for n in range(5)]
    await ingest(client, tenant, records)
    assert transactions  # the write had its transaction
    org = f"/v1/orgs/{tenant.org_id}"
    reads: list[tuple[str, dict[str, str | int]]] = [
        (f"{org}/activity", {"limit": 2}),
        (f"{org}/activity/summary", {"hours": 1}),
        (f"{org}/workspaces/{tenant.workspace_id}/activity/search", {"action": "read"}),
        (f"{org}/me/activity/summary", {}),
    ]
    # A first read loads what a process keeps once read (the cursor-signing key); then none.
    await client.get(f"{org}/activity", headers=tenant.headers)
    transactions.clear()
    answers = []
    for path, params in reads:
        response = await client.get(path, params=params, headers=tenant.headers)
        assert response.status_code == 200, response.text
        answers.append(response.json())
    assert transactions == []
    feed, summary, search, _mine = answers
    assert feed["total"] == 5 and len(feed["activities"]) == 2 and feed["has_more"]
    assert summary["total_requests"] == 5
    assert search["total"] == 0  # the records name no workspace
    # A connection read from in autocommit goes back to the pool as it was: the next write
    # through the same pool is a transaction again.
    await ingest(client, tenant, [activity(datetime.fromisoformat(records[0]["timestamp"]))])
    assert transactions == ["BEGIN"]
    assert runtime.settings.database_url.startswith("postgresql")


async def test_an_agent_and_its_runs_list_begin_no_transaction(
    client: httpx.AsyncClient, tenant: Tenant, transactions: list[str]
) -> None:
    created = await client.post("/api/agents/", json={"name": "Reader"}, headers=tenant.headers)
    assert created.status_code == 201, created.text
    agent = created.json()["data"]["id"]
    run = await client.post(
        f"/api/agents/{agent}/runs",
        json={"trigger_type": "manual", "workflow_id": "wf"},
        headers=tenant.headers,
    )
    assert run.status_code == 201, run.text
    transactions.clear()
    detail = await client.get(f"/api/agents/{agent}", headers=tenant.headers)
    runs = await client.get(f"/api/agents/{agent}/activities", headers=tenant.headers)
    assert transactions == []
    assert detail.status_code == 200 and runs.status_code == 200, (detail.text, runs.text)
    assert [item["id"] for item in runs.json()["data"]["items"]] == [run.json()["data"]["id"]]
    assert runs.json()["data"]["_meta"]["total_items"] == 1
