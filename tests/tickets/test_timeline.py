"""A ticket's timeline: intervals, checkpoints and activity records in time order, paginated by
a cursor like file 004's feeds, with names, the family's errors and tenancy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.tickets.arrange import (
    assert_missing,
    assert_refused,
    checkpoint,
    make_board,
    model_request,
    start,
    stop,
    tool_call,
    write,
)


async def story(runtime: Runtime, tenant: Tenant, clock: FakeClock) -> Any:
    """Ticket 1: an interval (closed), a checkpoint, two tool calls (one failed), a model
    request, a second interval left open; a record outside any ticket; ticket 2 untouched."""
    begin = clock()
    board = await make_board(runtime, tenant, begin)
    await start(runtime, board, 0, 0, begin)
    await checkpoint(runtime, board, 0, begin + timedelta(seconds=10))
    await write(
        runtime,
        [
            tool_call(board, board.tickets[0], begin + timedelta(seconds=20)),
            tool_call(board, board.tickets[0], begin + timedelta(seconds=30), success=False),
            model_request(
                board, board.tickets[0], begin + timedelta(seconds=40), "m", (1, 2, 3, 4), 0.5
            ),
            tool_call(board, None, begin + timedelta(seconds=45)),
        ],
    )
    await stop(runtime, board, 0, begin + timedelta(seconds=50))
    await start(runtime, board, 1, 0, begin + timedelta(seconds=60))
    clock.advance(120)
    return board


async def pages(client: httpx.AsyncClient, tenant: Tenant, query: str) -> list[dict[str, Any]]:
    path = f"/api/projects/{tenant.project_id}/tickets/1/timeline?{query}"
    entries: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(20):
        response = await client.get(path + cursor, headers=tenant.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        entries.extend(body["data"])
        if not body["has_more"]:
            assert body["next_cursor"] is None
            return entries
        cursor = f"&cursor={body['next_cursor']}"
    raise AssertionError("the timeline never ended")


async def test_the_timeline_tells_the_tickets_story_in_order(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    board = await story(runtime, tenant, clock)
    entries = await pages(client, tenant, "limit=50")
    kinds = [entry["kind"] for entry in entries]
    assert kinds == [
        "interval", "checkpoint", "activity", "activity", "activity", "interval",
    ]  # fmt: skip
    times = [entry["at"] for entry in entries]
    assert times == sorted(times)
    first, mark, call, failed, model, open_one = entries
    assert first["session_id"] == str(board.agents[0])
    assert first["agent"]["name"].startswith("claude-code")
    assert first["agent"]["name"].endswith(f"({str(board.agents[0])[-8:]})")
    assert first["user"]["name"] == "Admin"
    assert first["duration_s"] == 50 and first["ended_at"] is not None
    assert (mark["status"], mark["progress_pct"]) == ("working", 50.0)
    assert call["record"]["success"] is True and failed["record"]["success"] is False
    assert call["record"]["ticket_id"] == str(board.tickets[0])
    assert model["record"]["metadata"]["model"] == "m"
    assert open_one["ended_at"] is None and open_one["agent"]["name"].startswith("codex")


async def test_pages_of_any_size_hold_every_entry_once(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    await story(runtime, tenant, clock)
    whole = await pages(client, tenant, "limit=200")
    for size in (1, 2, 4):
        paged = await pages(client, tenant, f"limit={size}")
        assert [e["id"] for e in paged] == [e["id"] for e in whole]


async def test_since_and_until_cut_the_story(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    begin = clock()
    await story(runtime, tenant, clock)
    since = (begin + timedelta(seconds=15)).isoformat().replace("+00:00", "Z")
    until = (begin + timedelta(seconds=45)).isoformat().replace("+00:00", "Z")
    entries = await pages(client, tenant, f"since={since}&until={until}")
    assert [entry["kind"] for entry in entries] == ["activity"] * 3


async def test_errors_are_in_the_familys_shape(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    await story(runtime, tenant, clock)
    base = f"/api/projects/{tenant.project_id}/tickets"
    first = await client.get(f"{base}/1/timeline?limit=1", headers=tenant.headers)
    cursor = first.json()["next_cursor"]
    queries = (
        "limit=0",
        "limit=201",
        "cursor=not-a-cursor",
        f"cursor={cursor[:-2]}xx",
        f"cursor={cursor}&since=2026-01-01T00:00:00Z",  # another window's cursor
        "since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z",
    )
    await assert_refused(client, tenant, [f"{base}/1/timeline?{query}" for query in queries])
    other_ticket = await client.get(f"{base}/2/timeline", headers=tenant.headers)
    assert other_ticket.status_code == 200 and other_ticket.json()["data"] == []
    await assert_missing(client, tenant.headers, [f"{base}/99/timeline"])


async def test_another_orgs_ticket_is_missing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    other_tenant: Tenant,
    clock: FakeClock,
) -> None:
    await story(runtime, tenant, clock)
    path = f"/api/projects/{tenant.project_id}/tickets/1/timeline"
    await assert_missing(client, other_tenant.headers, [path])
