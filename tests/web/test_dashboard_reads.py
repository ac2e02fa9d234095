"""The dashboard's own reads: its proxy marks them in the request log, and the feeds leave them
out with ``exclude_dashboard_reads=true`` (an addition to file 004), totals included, on both
engines. Nobody else can mark a request, an agent's records always show, and another org sees
none of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from agent_activity.db.base import utcnow
from agent_activity.domain.activity.retention import Retention
from agent_activity.runtime import Runtime
from tests.api.activity.helpers import activity
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.tickets.arrange import write
from tests.web.helpers import agent_tool_call, sign_in

HIDE = {"exclude_dashboard_reads": "true"}


async def feed(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, path: str, **params: str
) -> dict[str, Any]:
    """One page of a feed of ``tenant``'s org, read with its bearer token (not the dashboard)."""
    await runtime.request_log.flush()
    response = await client.get(
        f"/v1/orgs/{tenant.org_id}{path}",
        params={"limit": "200", **params},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    # Every record of the log is on this one page, so the total must count exactly these.
    assert body["has_more"] is False
    assert body["total"] == len(body["activities"]), body
    return body


def paths(page: dict[str, Any]) -> list[str]:
    return [a["path"] for a in page["activities"]]


async def arrange(client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant) -> None:
    """A dashboard read, a dashboard write, a client's read that tries to pass for the
    dashboard, and an agent's tool call."""
    project = f"/api/projects/{tenant.project_id}"
    await sign_in(client, tenant.token)
    answer = await client.get(f"/ui{project}/agent-activity")
    assert answer.status_code == 200, answer.text
    made = await client.post(
        f"/ui{project}/tickets", json={"title": "From the board"}, headers={"X-Dashboard": "1"}
    )
    assert made.status_code == 201, made.text
    client.cookies.clear()
    forged = {**tenant.headers, "X-Dashboard": "1", "X-Dashboard-Read": "1", "Via": "dashboard"}
    answer = await client.get(f"{project}/agent-sessions", headers=forged)
    assert answer.status_code == 200, answer.text
    await write(runtime, [agent_tool_call(tenant.org_id, utcnow())])


async def test_a_dashboard_read_is_hidden_when_asked_and_nothing_else_is(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    await arrange(client, runtime, tenant)
    own_read = f"/api/projects/{tenant.project_id}/agent-activity"
    shown = await feed(client, runtime, tenant, "/activity")
    assert own_read in paths(shown)
    marked = next(a for a in shown["activities"] if a["path"] == own_read)
    assert marked["metadata"] == {"source": "request_log", "via": "dashboard"}
    assert marked["user_id"] == str(tenant.user_id)  # still the token's call, as documented

    hidden = await feed(client, runtime, tenant, "/activity", **HIDE)
    assert own_read not in paths(hidden)
    for kept in (
        f"/api/projects/{tenant.project_id}/tickets",  # the dashboard's write
        f"/api/projects/{tenant.project_id}/agent-sessions",  # headers cannot mark a request
        "mcp:start_work",  # the agent's action
    ):
        assert kept in paths(hidden)
    assert set(paths(shown)) - set(paths(hidden)) == {own_read}

    # The same in every scope the record belongs to, and in a window with partial hours
    # (whose totals are counted from the raw records at the edges).
    for path in (
        f"/workspaces/{tenant.workspace_id}/activity",
        f"/users/{tenant.user_id}/activity",
        f"/workspaces/{tenant.workspace_id}/activity/search",
    ):
        scoped = await feed(client, runtime, tenant, path, **HIDE)
        assert own_read not in paths(scoped)
        assert own_read in paths(await feed(client, runtime, tenant, path))
    since = (utcnow() - timedelta(minutes=90)).isoformat()
    window = await feed(client, runtime, tenant, "/activity", start_time=since, **HIDE)
    assert own_read not in paths(window)
    assert set(paths(hidden)) <= set(paths(window))


async def test_the_dashboard_feed_hides_its_own_reads_through_the_proxy(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    await arrange(client, runtime, tenant)
    await sign_in(client, tenant.token)
    await runtime.request_log.flush()
    org_feed = f"/ui/api/v1/orgs/{tenant.org_id}/activity"
    answer = await client.get(org_feed, params={"limit": "200", **HIDE})
    assert answer.status_code == 200, answer.text
    assert all((a["metadata"] or {}).get("via") != "dashboard" for a in answer.json()["activities"])
    await runtime.request_log.flush()
    answer = await client.get(org_feed, params={"limit": "200"})
    vias = [(a["metadata"] or {}).get("via") for a in answer.json()["activities"]]
    assert vias.count("dashboard") == 2  # the first read and the hidden feed's own


async def test_another_org_never_sees_any_of_it(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    await arrange(client, runtime, tenant)
    theirs = await feed(client, runtime, other_tenant, "/activity", **HIDE)
    assert not any(str(tenant.project_id) in path for path in paths(theirs))
    assert not any(path.startswith("mcp:") for path in paths(theirs))
    answer = await client.get(
        f"/v1/orgs/{tenant.org_id}/activity", params=HIDE, headers=other_tenant.headers
    )
    assert answer.status_code == 404
    assert set(answer.json()) == {"error", "message", "details", "timestamp", "status_code"}


async def test_the_toggle_is_a_boolean_in_the_family_error_format(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    answer = await client.get(
        f"/v1/orgs/{tenant.org_id}/activity",
        params={"exclude_dashboard_reads": "maybe"},
        headers=tenant.headers,
    )
    assert answer.status_code == 422, answer.text  # file 004's validation shape
    [issue] = answer.json()["detail"]
    assert issue["loc"] == ["query", "exclude_dashboard_reads"]


async def test_ingest_cannot_mark_a_record_and_retention_keeps_the_totals_exact(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    now = clock()
    forged = activity(now - timedelta(minutes=5), action="read", via_dashboard=True)
    forged["metadata"] = {"via": "dashboard"}
    answer = await client.post(
        f"/v1/orgs/{tenant.org_id}/activity", json={"activities": [forged]}, headers=tenant.headers
    )
    assert answer.status_code in (201, 422), answer.text
    # Dashboard reads older than the retention window, and newer ones.
    reads = [
        {**agent_tool_call(tenant.org_id, now - timedelta(days=days)), "via_dashboard": True}
        for days in (10, 9, 1)
    ]
    await write(runtime, [*reads, agent_tool_call(tenant.org_id, now - timedelta(days=8))])
    url = f"/v1/orgs/{tenant.org_id}/retention"
    response = await client.put(url, json={"retention_days": 3}, headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert await Retention(runtime.sessionmaker, None, clock, batch_size=2).run_pass()
    hidden = await feed(client, runtime, tenant, "/activity", **HIDE)  # total == page, checked
    shown = await feed(client, runtime, tenant, "/activity")
    # Only the dashboard read of a day ago is left of the four; the feeds' totals were exact.
    assert paths(shown).count("mcp:start_work") == 1
    assert "mcp:start_work" not in paths(hidden)
    if answer.status_code == 201:
        assert forged["id"] in {a["id"] for a in hidden["activities"]}


async def summary(
    client: httpx.AsyncClient, tenant: Tenant, path: str, **params: str
) -> dict[str, Any]:
    response = await client.get(
        f"/v1/orgs/{tenant.org_id}{path}", params=params, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def counted(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "end_time"}  # end_time is now


async def side_by_side(
    client: httpx.AsyncClient, tenant: Tenant, path: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A summary as file 004 has it and with the dashboard's reads left out, read with no flush
    of the request log between them (it stores this test's own reads every 0.5 s): taken again
    until the summary with ``false`` after them counts what the one before did."""
    for _ in range(20):
        shown = await summary(client, tenant, path)
        hidden = await summary(client, tenant, path, **HIDE)
        again = await summary(client, tenant, path, exclude_dashboard_reads="false")
        if counted(again) == counted(shown):
            return shown, hidden
    raise AssertionError(f"the request log flushed between every pair of reads of {path}")


async def test_the_summaries_leave_out_the_dashboards_reads_when_asked(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    await arrange(client, runtime, tenant)
    hidden_feed = await feed(client, runtime, tenant, "/activity", **HIDE)
    await runtime.request_log.flush()
    for path in (
        "/activity/summary",
        f"/workspaces/{tenant.workspace_id}/activity/summary",
        f"/users/{tenant.user_id}/activity/summary",
        "/me/activity/summary",
    ):
        shown, hidden = await side_by_side(client, tenant, path)
        assert set(hidden) == set(shown)  # file 004's shape, unchanged
        # The one dashboard read (a successful GET) is all that is left out.
        assert shown["total_requests"] - hidden["total_requests"] == 1, path
        assert shown["successful_requests"] - hidden["successful_requests"] == 1
        assert hidden["failed_requests"] == shown["failed_requests"]
        assert sum(shown["by_action"].values()) - sum(hidden["by_action"].values()) == 1
        assert "ticket.create" in hidden["by_action"]  # the dashboard's write stays
    # The org's summary counts what its feed shows, the feed's own read included.
    org = await summary(client, tenant, "/activity/summary", **HIDE)
    assert org["total_requests"] >= hidden_feed["total"]

    # The series behind the dashboard's charts takes the same toggle.
    await sign_in(client, tenant.token)
    await runtime.request_log.flush()
    series = "/ui/api/activity/series"
    scope = {"level": "org", "id": str(tenant.org_id)}
    every = (await client.get(series, params=scope)).json()
    less = (await client.get(series, params={**scope, **HIDE})).json()
    own = every["total_requests"] - less["total_requests"]
    assert own >= 1
    assert sum(b["requests"] for b in less["buckets"]) == less["total_requests"]
    assert sum(less["by_action"].values()) == less["total_requests"]
    assert all(count > 0 for count in less["by_action"].values())


async def test_the_summaries_toggle_is_a_boolean_and_keeps_tenancy(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    answer = await client.get(
        f"/v1/orgs/{tenant.org_id}/activity/summary",
        params={"exclude_dashboard_reads": "maybe"},
        headers=tenant.headers,
    )
    assert answer.status_code == 422, answer.text
    [issue] = answer.json()["detail"]
    assert issue["loc"] == ["query", "exclude_dashboard_reads"]
    answer = await client.get(
        f"/v1/orgs/{tenant.org_id}/activity/summary", params=HIDE, headers=other_tenant.headers
    )
    assert answer.status_code == 404
