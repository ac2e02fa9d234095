"""Retention's drop of one day's partition on PostgreSQL, while ingest runs.

A past day's partition is filled with as many records as the quick/full sizes ingest
(``ingest_records``), by the raw writer (rows, rollups). Then two HTTP ingest rounds of the same
size run: one alone, and one during which the day is dropped as retention drops it
(retention_partitions.py: the day's rollups out of all time, its batches resealed, detach, then
drop). The report gives the drop's time (target under a second) and the batch latency of ingest
during the drop next to the round before it: the drop must not block ingest (its p99 at most
twice the round before's).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from agent_activity.db.partitions import ensure_partitions
from agent_activity.domain.activity.retention_partitions import drop_day, drop_detached
from bench import datagen
from bench.context import Context
from bench.report import Row, verdict
from bench.scenarios.ingest import http_round
from bench.stats import Latency
from bench.storage import open_store
from bench.world import demo_world

SCENARIO = "retention: drop one day's partition ({records:,} records) during ingest"
LATENCY = "ingest batch latency during the drop (vs before it)"
TARGET = "< 1 s"
# Ingest runs this long before the drop starts, so the drop falls inside the round.
LEAD_S = 1.0


async def fill_day(ctx: Context, day_noon: datetime, count: int, batch: int) -> None:
    records = datagen.ingest_records(demo_world(ctx.world), day_noon, count, seed=700)
    rows = datagen.stored_rows(records, uuid.UUID(ctx.world.org_id), day_noon)
    store = await open_store(ctx.database)
    try:
        for start in range(0, count, batch):
            await store.write_prepared_records(store.prepare_records(rows[start : start + batch]))
    finally:
        await store.close()


async def measure_partition_drop(ctx: Context, data: str) -> None:
    count, batch = ctx.sizes.ingest_records, ctx.sizes.ingest_batch
    day = (ctx.now - timedelta(days=400)).date()  # older than any data the harness made
    engine = create_async_engine(ctx.database.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with sessions() as session, session.begin():
            await ensure_partitions(await session.connection(), day + timedelta(days=1))
        await fill_day(ctx, datetime(day.year, day.month, day.day, 12, tzinfo=UTC), count, batch)
        path = f"/v1/orgs/{ctx.world.org_id}/activity"
        rounds = max(10 * batch, count // 2 // batch * batch)  # enough batches for a p99
        before = await http_round(ctx, path, rounds, batch, seed=710)
        during = asyncio.create_task(http_round(ctx, path, rounds, batch, seed=711))
        await asyncio.sleep(LEAD_S)
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            dropped = await drop_day(await session.connection(), day, datetime.now(UTC))
        async with sessions() as session, session.begin():
            await drop_detached(await session.connection(), day)
        drop_s = time.perf_counter() - started
        after = await during
    finally:
        await engine.dispose()
    ctx.check_failures(after, "ingest during the drop")
    was, now = Latency.of(before["latencies_ms"]), Latency.of(after["latencies_ms"])
    worst_before, worst = max(before["latencies_ms"]), max(after["latencies_ms"])
    ctx.rows.append(
        Row(ctx.engine, data, SCENARIO.format(records=dropped), f"{drop_s:.2f} s", "", "",
            TARGET, verdict(drop_s < 1.0), {"drop_s": drop_s, "records": dropped})
    )  # fmt: skip
    ctx.rows.append(
        Row(ctx.engine, data, LATENCY, f"{now.text()}, max {worst:,.0f} ms",
            f"{was.text()}, max {worst_before:,.0f} ms", f"{now.p99 / was.p99:.2f}",
            "p99 ≤ 2x before", verdict(now.p99 <= 2 * was.p99),
            {"p99_ms": now.p99, "p99_before_ms": was.p99, "max_ms": worst,
             "max_before_ms": worst_before,
             "events_per_s": rounds / after["elapsed_s"],
             "events_per_s_before": rounds / before["elapsed_s"]})
    )  # fmt: skip
