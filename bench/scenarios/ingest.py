"""Ingest events/s through the HTTP batch endpoint, next to the raw limit of the same storage.

Both sides write the same kind of rows (the demo's records, timestamps within the last hour)
into the same org, tables, indexes and rollups, in batches of the same size with one
transaction per batch. The raw side is one connection writing batch after batch; the HTTP side
sends batches from a few concurrent connections, as several producers would. Only 201 answers
count as ingested.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from bench import datagen
from bench.context import Context, reason
from bench.loadgen import Result, run_job
from bench.report import Row, not_available, verdict
from bench.stats import Latency, fmt_count
from bench.storage import open_store
from bench.world import demo_world

SCENARIO = "ingest, events/s (batches of {batch:,})"
TARGET = "≥ 0.5x raw"
CONCURRENCY = 4
ROUNDS = 2


async def raw_round(ctx: Context, count: int, batch: int, seed: int) -> float:
    """Seconds to write ``count`` records by plain batched writes (executemany / COPY, plus the
    rollup upsert), one transaction per batch."""
    now = datetime.now(UTC)
    records = datagen.ingest_records(demo_world(ctx.world), now, count, seed=seed)
    rows = datagen.stored_rows(records, uuid.UUID(ctx.world.org_id), now)
    # A connection of its own with the service's pragmas (not the bulk loader's big cache), so
    # the ratio shows what the service adds, not a difference in configuration.
    store = await open_store(ctx.database)
    try:
        prepared = [store.prepare_records(rows[i : i + batch]) for i in range(0, count, batch)]
        started = time.perf_counter()
        for chunk in prepared:
            await store.write_prepared_records(chunk)
        return time.perf_counter() - started
    finally:
        await store.close()


async def http_round(ctx: Context, path: str, count: int, batch: int, seed: int) -> Result:
    job = {
        "kind": "ingest",
        "base_url": ctx.base_url,
        "path": path,
        "headers": ctx.world.headers,
        "world": ctx.world.to_json(),
        "now": datetime.now(UTC).isoformat(),
        "seed": seed,
        "count": count,
        "batch": batch,
        "concurrency": CONCURRENCY,
    }
    result = await run_job(job)
    ctx.check_failures(result, "ingest")
    return result


async def measure_ingest(ctx: Context, data: str) -> None:
    """Raw and HTTP rounds alternate, so both sides see the same table sizes and machine."""
    batch = ctx.sizes.ingest_batch
    scenario = SCENARIO.format(batch=batch)
    path = f"/v1/orgs/{ctx.world.org_id}/activity"
    sample = datagen.ingest_records(demo_world(ctx.world), datetime.now(UTC), 1, seed=100)
    probe = await ctx.probe("POST", path, json={"activities": sample})
    if not probe.is_success:
        ctx.rows.append(not_available(ctx.engine, data, scenario, reason(probe), TARGET))
        return
    per_round = max(batch, ctx.sizes.ingest_records // ROUNDS // batch * batch)
    raw_s = http_s = 0.0
    accepted = 0
    latencies: list[float] = []
    for index in range(ROUNDS):
        raw_s += await raw_round(ctx, per_round, batch, seed=200 + index)
        result = await http_round(ctx, path, per_round, batch, seed=300 + index)
        http_s += result["elapsed_s"]
        accepted += result["statuses"].get("201", 0) * batch
        latencies += result["latencies_ms"]
    raw = ROUNDS * per_round / raw_s
    rate = accepted / http_s
    ratio = rate / raw
    per_batch = Latency.of(latencies)
    ctx.rows.append(
        Row(
            ctx.engine,
            data,
            scenario,
            f"{fmt_count(rate)}/s (batch {per_batch.text()})",
            f"{fmt_count(raw)}/s",
            f"{ratio:.2f}",
            TARGET,
            verdict(ratio >= 0.5),
            {"events_per_s": rate, "raw_events_per_s": raw, "ratio": ratio},
        )
    )
