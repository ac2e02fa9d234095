"""Ingest events/s through the HTTP batch endpoint, next to the raw limit of the same storage.

Both sides write the same kind of rows (the demo's records, timestamps within the last hour)
into the same org, tables, indexes and rollups, in batches of the same size with one
transaction per batch. The raw side is one connection writing batch after batch; the HTTP side
sends batches from a few concurrent connections, as several producers would.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from bench import datagen
from bench.context import Context, reason
from bench.loadgen import run_job
from bench.report import Row, not_available, verdict
from bench.stats import Latency, fmt_count
from bench.storage import open_store
from bench.world import demo_world

SCENARIO = "ingest, events/s (batches of {batch:,})"
TARGET = "≥ 0.5x raw"
CONCURRENCY = 4


async def raw_limit(ctx: Context, count: int, batch: int) -> float:
    """Events/s of plain batched writes (executemany / COPY, plus the rollup upsert)."""
    now = datetime.now(UTC)
    records = datagen.ingest_records(demo_world(ctx.world), now, count, seed=101)
    rows = datagen.stored_rows(records, uuid.UUID(ctx.world.org_id), now)
    batches = [rows[start : start + batch] for start in range(0, len(rows), batch)]
    # A connection of its own with the service's pragmas (not the bulk loader's big cache), so
    # the ratio shows what the service adds, not a difference in configuration.
    store = await open_store(ctx.database)
    try:
        started = time.perf_counter()
        for chunk in batches:
            await store.write_records(chunk)
        return count / (time.perf_counter() - started)
    finally:
        await store.close()


async def measure_ingest(ctx: Context, data: str) -> None:
    batch = ctx.sizes.ingest_batch
    scenario = SCENARIO.format(batch=batch)
    path = f"/v1/orgs/{ctx.world.org_id}/activity"
    now = datetime.now(UTC)
    sample = datagen.ingest_records(demo_world(ctx.world), now, 1, seed=100)
    probe = await ctx.probe("POST", path, json={"activities": sample})
    if not probe.is_success:
        ctx.rows.append(not_available(ctx.engine, data, scenario, reason(probe), TARGET))
        return
    count = ctx.sizes.ingest_records
    raw = await raw_limit(ctx, count, batch)
    job = {
        "kind": "ingest",
        "base_url": ctx.base_url,
        "path": path,
        "headers": ctx.world.headers,
        "world": ctx.world.to_json(),
        "now": now.isoformat(),
        "seed": 102,
        "count": count,
        "batch": batch,
        "concurrency": CONCURRENCY,
    }
    result = await run_job(job)
    ctx.check_failures(result, "ingest")
    accepted = sum(n for code, n in result["statuses"].items() if code.startswith("2")) * batch
    rate = min(accepted, result["records"]) / result["elapsed_s"]
    ratio = rate / raw
    per_batch = Latency.of(result["latencies_ms"])
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
