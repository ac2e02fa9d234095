"""The usage routes of the project family: their fields, their errors in the family's shape,
and tenancy (another org's project or ticket is missing)."""

from __future__ import annotations

from datetime import timedelta

import httpx

from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.tickets.arrange import (
    assert_missing,
    assert_refused,
    make_board,
    model_request,
    start,
    stop,
    tool_call,
    usage_of,
    write,
)


async def test_a_tickets_usage_adds_up_its_work_and_telemetry(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    begin = clock()
    board = await make_board(runtime, tenant, begin)
    await start(runtime, board, 0, 0, begin)
    at = begin + timedelta(seconds=30)
    await write(
        runtime,
        [
            tool_call(board, board.tickets[0], at),
            tool_call(board, board.tickets[0], at, success=False),
            model_request(board, board.tickets[0], at, "claude-opus-5-5", (10, 20, 30, 40), 0.25),
            model_request(board, board.tickets[0], at, "gpt-5.1-codex", (1_000_000, 0, 0, 0), None),
            tool_call(board, None, at),  # outside any interval: no ticket
        ],
    )
    await stop(runtime, board, 0, begin + timedelta(seconds=90))
    clock.advance(120)
    body = await usage_of(client, tenant)
    assert body["ticket_id"] == str(board.tickets[0])
    assert body["ticket_number"] == 1
    assert body["agent_time_s"] == 90.0
    assert (body["intervals"], body["tool_calls"], body["failed_tool_calls"]) == (1, 2, 1)
    assert body["model_requests"] == 2
    assert body["tokens"] == {
        "input": 1_000_010, "output": 20, "cache_read": 30, "cache_creation": 40,
        "total": 1_000_100,
    }  # fmt: skip
    assert body["cost_usd"] == 0.25 + 1.25  # reported, and gpt-5's listed input price
    models = {part["key"]: part for part in body["by_model"]}
    assert models["claude-opus-5-5"]["cost_usd"] == 0.25
    assert models["gpt-5.1-codex"]["tokens"]["input"] == 1_000_000
    (agent,) = body["by_agent"]
    assert agent["key"] == str(board.agents[0])
    assert agent["name"].startswith("claude-code")
    assert agent["agent_time_s"] == 90.0
    (user,) = body["by_user"]
    assert user["name"] == "Admin"

    board_usage = await client.get(
        f"/api/projects/{tenant.project_id}/usage", headers=tenant.headers
    )
    assert board_usage.status_code == 200
    tickets = board_usage.json()["tickets"]
    assert [t["ticket_number"] for t in tickets] == [1, 2, 3]  # most expensive first
    assert tickets[0]["cost_usd"] == body["cost_usd"]


async def test_an_open_interval_counts_up_to_now(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    board = await make_board(runtime, tenant, clock())
    await start(runtime, board, 1, 2, clock())
    clock.advance(45)
    path = f"/api/projects/{tenant.project_id}/usage?sort=time"
    tickets = (await client.get(path, headers=tenant.headers)).json()["tickets"]
    assert tickets[0]["ticket_number"] == 3
    assert tickets[0]["agent_time_s"] == 45.0


async def test_errors_are_in_the_familys_shape(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    await make_board(runtime, tenant, clock())
    base = f"/api/projects/{tenant.project_id}"
    await assert_missing(client, tenant.headers, [f"{base}/tickets/99/usage"])
    windows = ("since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "since=yesterday")
    refused = [f"{base}/tickets/1/usage?{query}" for query in windows]
    await assert_refused(client, tenant, [*refused, f"{base}/usage?sort=price"])
    anonymous = await client.get(f"{base}/usage")
    assert anonymous.status_code == 401


async def test_another_orgs_board_is_missing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    other_tenant: Tenant,
    clock: FakeClock,
) -> None:
    board = await make_board(runtime, tenant, clock())
    base = f"/api/projects/{tenant.project_id}"
    paths = [f"{base}/usage", f"{base}/tickets/1/usage", f"{base}/tickets/{board.tickets[0]}/usage"]
    await assert_missing(client, other_tenant.headers, paths)
