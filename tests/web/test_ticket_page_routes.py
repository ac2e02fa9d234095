"""The ticket page's own routes: its event stream (a record attributed to the ticket is a
change, also one back-dated into an older hour; a record of another ticket is not) and its cost
series (one point per hour that counted anything), within the signed-in token's org only."""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

import httpx
import pytest

from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.tickets.arrange import Board, make_board, model_request, tool_call, write
from tests.web.helpers import EventReader, open_stream

WITHIN_S = 5.0  # live, with room for a loaded machine (see test_live.py)


@pytest.fixture
async def board(runtime: Runtime, tenant: Tenant, clock: FakeClock) -> Board:
    return await make_board(runtime, tenant, clock() - timedelta(hours=4), tickets=2, agents=1)


def ticket_stream(
    http: httpx.AsyncClient, project_id: uuid.UUID, ticket: str
) -> AbstractAsyncContextManager[EventReader]:
    return open_stream(http, f"/ui/api/projects/{project_id}/tickets/{ticket}/events")


async def test_a_record_for_the_ticket_reaches_its_page_and_others_do_not(
    browser: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, board: Board, clock: FakeClock
) -> None:
    async with ticket_stream(browser, tenant.project_id, "1") as reader:
        await write(runtime, [tool_call(board, board.tickets[0], clock())])
        event, data = await reader.next(WITHIN_S)
        assert event == "change" and data["first"] is False
        # A record dated before the newest one is still a change: the ticket's totals moved.
        older = clock() - timedelta(hours=3)
        await write(
            runtime, [model_request(board, board.tickets[0], older, "m", (1, 1, 0, 0), 0.2)]
        )
        event, _ = await reader.next(WITHIN_S)
        assert event == "change"
        # Another ticket's record is no change of this page (last: a timeout ends the reader).
        await write(runtime, [tool_call(board, board.tickets[1], clock())])
        with pytest.raises(TimeoutError):
            await reader.next(2.5)


async def test_the_cost_series_has_a_point_per_hour_that_counted_anything(
    browser: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, board: Board, clock: FakeClock
) -> None:
    hour = clock().replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    ticket = board.tickets[0]
    await write(
        runtime,
        [
            model_request(board, ticket, hour + timedelta(minutes=5), "m", (10, 0, 0, 0), 0.25),
            model_request(board, ticket, hour + timedelta(minutes=50), "m", (5, 5, 0, 0), 0.5),
            tool_call(board, ticket, hour + timedelta(hours=2, minutes=1)),
            model_request(board, board.tickets[1], hour, "m", (1, 0, 0, 0), 9.0),
        ],
    )
    answer = await browser.get(f"/ui/api/projects/{tenant.project_id}/tickets/1/cost-series")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["ticket_number"] == 1 and body["truncated"] is False
    assert body["earlier_cost_usd"] == 0
    points = [(p["start"], p["cost_usd"], p["tokens"], p["tool_calls"]) for p in body["points"]]
    assert points == [
        (hour.isoformat(), 0.75, 20, 0),
        ((hour + timedelta(hours=2)).isoformat(), 0.0, 0, 1),
    ]
    by_id = await browser.get(f"/ui/api/projects/{tenant.project_id}/tickets/{ticket}/cost-series")
    assert by_id.json()["points"] == body["points"]


async def test_the_ticket_routes_stay_inside_the_org(
    browser: httpx.AsyncClient, base_url: str, tenant: Tenant, other_tenant: Tenant
) -> None:
    for suffix in ("cost-series", "events"):
        foreign = await browser.get(
            f"/ui/api/projects/{other_tenant.project_id}/tickets/1/{suffix}"
        )
        assert foreign.status_code == 404
        assert foreign.json()["code"] == "NOT_FOUND"
        missing = await browser.get(f"/ui/api/projects/{tenant.project_id}/tickets/99/{suffix}")
        assert missing.status_code == 404
        too_long = await browser.get(
            f"/ui/api/projects/{tenant.project_id}/tickets/{'9' * 65}/{suffix}"
        )
        assert too_long.status_code == 400
        assert set(too_long.json()) >= {"error", "code", "issues"}
    async with httpx.AsyncClient(base_url=base_url) as anonymous:
        answer = await anonymous.get(f"/ui/api/projects/{tenant.project_id}/tickets/1/cost-series")
        assert answer.status_code == 401
    page = await browser.get(f"/board/{tenant.project_id}/tickets/1")
    assert page.status_code == 200 and "ticket.js" in page.text
    async with httpx.AsyncClient(base_url=base_url) as anonymous:
        answer = await anonymous.get(f"/board/{tenant.project_id}/tickets/1")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/signin?next=")
