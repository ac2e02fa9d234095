"""The ticket usage scenario's data: a 200-ticket board worked like the demo's, whose share of
the bulk records is the demo's, written through the harness's raw path plus the ticket rollups'
own writer; every ticket's usage read back over HTTP equals a recount of its rows. Both engines.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime
from typing import Any

import httpx
from bench.ledger import BOARD_TICKETS, BoardTelemetry, add_ticket_rollups
from bench.storage import open_store
from bench.world import build_world, demo_world
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from agent_activity import demo
from agent_activity.db.models import WorkInterval
from agent_activity.runtime import Runtime
from bench import datagen
from tests.bench.test_bench_data import database_of
from tests.conftest import FakeClock

RECORDS = 600
BATCH = 128


def recount(
    intervals: list[WorkInterval], rows: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    micros = sum(
        max(0, round(((i.ended_at or now) - i.started_at).total_seconds() * 1_000_000))
        for i in intervals
    )
    tools = [r for r in rows if r["action"] == "tool_call"]
    usage = [r["token_usage"] or {} for r in rows]
    return {
        "agent_time_s": round(micros / 1_000_000, 3),
        "intervals": len(intervals),
        "tool_calls": len(tools),
        "failed_tool_calls": sum(1 for r in tools if not r["success"]),
        "model_requests": sum(1 for r in rows if r["action"] == "model_request"),
        "total": sum(u.get("total_tokens", 0) for u in usage),
    }


async def test_the_boards_usage_equals_a_recount_of_its_rows(
    runtime: Runtime,
    db: AsyncSession,
    client: httpx.AsyncClient,
    database_url: str,
    dialect: str,
    clock: FakeClock,
) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        world = await build_world(session, mcp_projects=4, mcp_tokens=1)
    board = BoardTelemetry(world.ledger, uuid.UUID(world.org_id), random.Random(3))
    batches = list(
        datagen.activity_batches(
            demo_world(world), clock.current, RECORDS, seed=3, batch=BATCH, board=board
        )
    )
    rows = [row for batch in batches for row in batch]
    assert len(rows) == RECORDS
    agents = [row for row in rows if row["agent_session_id"]]
    assert len(agents) == sum(round(len(b) * demo.TELEMETRY_SHARE) for b in batches)
    assert any(row["ticket_id"] is None for row in agents)  # some outside any interval
    store = await open_store(database_of(database_url, dialect))
    engine = create_async_engine(database_url)
    try:
        for batch in batches:
            prepared = store.prepare_records(batch)
            await store.write_prepared_records(prepared)
            await add_ticket_rollups(engine, prepared.ticket_rows)
    finally:
        await engine.dispose()
        await store.close()

    project = world.ledger["project_id"]
    intervals = list(
        await db.scalars(select(WorkInterval).where(WorkInterval.project_id == uuid.UUID(project)))
    )
    response = await client.get(
        f"/api/projects/{project}/usage", params={"sort": "number"}, headers=world.headers
    )
    assert response.status_code == 200, response.text
    tickets = response.json()["tickets"]
    assert [t["ticket_number"] for t in tickets] == list(range(1, BOARD_TICKETS + 1))
    for ticket in tickets:
        mine = [i for i in intervals if str(i.ticket_id) == ticket["ticket_id"]]
        expected = recount(
            mine, [r for r in agents if r["ticket_id"] == ticket["ticket_id"]], clock.current
        )
        got = {key: ticket[key] for key in expected if key != "total"}
        assert {**got, "total": ticket["tokens"]["total"]} == expected, ticket
    assert sum(t["model_requests"] for t in tickets) > 0
    assert sum(1 for t in tickets if t["intervals"]) > BOARD_TICKETS / 2
    one = await client.get(f"/api/projects/{project}/tickets/1/usage", headers=world.headers)
    assert one.status_code == 200, one.text
