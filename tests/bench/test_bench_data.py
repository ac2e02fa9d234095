"""The benchmark's bulk data is what the service itself would have written, on both engines.

Rows go in through the harness's raw path (executemany / COPY plus the rollup upsert) and are
read back through the ORM and the HTTP API: every column survives, and the summaries and feed
totals the service answers from the rollups equal a plain scan of the generated records.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import pytest
from bench.storage import Database, open_store
from bench.world import World, build_world, demo_world
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.config import Settings
from agent_activity.db.models import ActivityRecord, AgentRun
from agent_activity.runtime import Runtime
from bench import datagen
from tests.conftest import FakeClock

RECORDS = 300
RUNS = 40


@pytest.fixture
def settings(database_url: str) -> Settings:
    """No request log: the service's own records would join the generated ones mid-test."""
    return Settings(database_url=database_url, rate_limit_per_minute=0, request_log_enabled=False)


def database_of(url: str, dialect: str) -> Database:
    name = url.split("///", 1)[1] if dialect == "sqlite" else url.rsplit("/", 1)[1]
    return Database(dialect, url, name)


async def load(
    runtime: Runtime, url: str, dialect: str, now: datetime
) -> tuple[World, list[dict[str, Any]], list[dict[str, Any]]]:
    async with runtime.sessionmaker() as session, session.begin():
        world = await build_world(session, mcp_projects=4, mcp_tokens=1)
    demo = demo_world(world)
    records = [
        row
        for batch in datagen.activity_batches(demo, now, RECORDS, seed=3, batch=128)
        for row in batch
    ]
    runs = [row for batch in datagen.run_batches(demo, now, RUNS, 10, seed=4) for row in batch]
    store = await open_store(database_of(url, dialect))
    try:
        for start in range(0, RECORDS, 100):
            await store.write_records(records[start : start + 100])
        await store.write_runs(runs)
    finally:
        await store.close()
    return world, records, runs


def same(stored: object, generated: object) -> bool:
    if isinstance(generated, float) and isinstance(stored, float):
        return abs(stored - generated) < 1e-9
    return stored == generated


async def test_rows_read_back_exactly(
    runtime: Runtime, db: AsyncSession, database_url: str, dialect: str, clock: FakeClock
) -> None:
    world, records, runs = await load(runtime, database_url, dialect, clock.current)
    org_id = uuid.UUID(world.org_id)
    stored = {
        r.id: r
        for r in await db.scalars(select(ActivityRecord).where(ActivityRecord.org_id == org_id))
    }
    assert len(stored) == RECORDS
    for row in records:
        record = stored[row["id"]]
        for key, value in row.items():
            assert same(getattr(record, key), value), (key, getattr(record, key), value)
    stored_runs = {r.id: r for r in await db.scalars(select(AgentRun))}
    assert len(stored_runs) == RUNS
    for row in runs:
        run = stored_runs[row["id"]]
        for key, value in row.items():
            assert getattr(run, key) == value, key
    hot = [r for r in stored_runs.values() if str(r.agent_id) == world.hot_agent_id]
    assert len(hot) == 10


def scan(records: list[dict[str, Any]], start: datetime, end: datetime) -> dict[str, Any]:
    """A summary computed plainly from the generated records."""
    inside = [r for r in records if start <= r["timestamp"] <= end]
    return {
        "total_requests": len(inside),
        "successful_requests": sum(1 for r in inside if r["success"]),
        "total_tokens_used": sum(r["total_tokens"] for r in inside),
        "by_action": dict(Counter(r["action"] for r in inside)),
        "by_resource": dict(Counter(r["resource_type"] for r in inside)),
    }


async def test_summaries_and_totals_equal_a_scan_of_the_records(
    runtime: Runtime, client: httpx.AsyncClient, database_url: str, dialect: str, clock: FakeClock
) -> None:
    world, records, _ = await load(runtime, database_url, dialect, clock.current)
    base = f"/v1/orgs/{world.org_id}/activity"
    for hours in (1, 24, 168):
        response = await client.get(
            f"{base}/summary", params={"hours": hours}, headers=world.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        start = datetime.fromisoformat(body["start_time"])
        end = datetime.fromisoformat(body["end_time"])
        expected = scan(records, start, end)
        assert {key: body[key] for key in expected} == expected, hours
    feed = await client.get(base, params={"limit": 5}, headers=world.headers)
    assert feed.status_code == 200, feed.text
    assert feed.json()["total"] == RECORDS
