"""The ingest breakdown on both engines: one row per index of ``activity_records`` (as its model
declares them), the floor's ratio 1, and nothing of its own left in the database."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bench.config import TINY
from bench.context import Context
from bench.scenarios.write_costs import PREFIX, SOURCE, index_specs, measure_write_costs
from bench.storage import open_store
from bench.world import build_world
from sqlalchemy import UniqueConstraint, func, inspect, select
from sqlalchemy.ext.asyncio import create_async_engine

from agent_activity.db.models import ActivityRecord, ActivityRollup, ActivitySeal
from agent_activity.runtime import Runtime
from tests.bench.test_bench_data import database_of


async def test_the_breakdown_covers_every_index_and_cleans_up(
    runtime: Runtime, database_url: str, dialect: str, tmp_path: Path
) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        world = await build_world(session, mcp_projects=1, mcp_tokens=1)
    database = database_of(database_url, dialect)
    store = await open_store(database)
    sizes = replace(TINY, breakdown_records=2_000)
    ctx = Context(dialect, sizes, world, database, store, datetime.now(UTC), tmp_path)
    try:
        await measure_write_costs(ctx, "a test")
    finally:
        await store.close()
    names = [row.scenario.split("): ", 1)[1] for row in ctx.rows]
    specs = index_specs()
    uniques = [c for c in SOURCE.constraints if isinstance(c, UniqueConstraint)]
    assert len(specs) == len(SOURCE.indexes) + len(uniques)  # each index and unique key a row
    assert names[0] == "floor: primary key + (org_id, timestamp)"
    assert names[1 : len(specs) + 1] == [f"floor + {spec[0]}" for spec in specs]
    assert names[len(specs) + 1 :] == [
        f"every index ({len(specs)}, as activity_records)",
        "every index + activity rollups",
        "every index + activity rollups + seals",
        "write_activity_records into activity_records",
    ]  # no ingest row: the ingest scenario did not run
    assert ctx.rows[0].metrics["ratio"] == 1.0
    assert all(row.metrics["rows_per_s"] > 0 for row in ctx.rows)
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            assert [t for t in tables if t.startswith(PREFIX)] == []
            for model in (ActivityRecord, ActivityRollup, ActivitySeal):
                others = (
                    select(func.count())
                    .select_from(model)
                    .where(model.org_id != uuid.UUID(world.org_id))
                )
                assert await connection.scalar(others) == 0, model
    finally:
        await engine.dispose()
