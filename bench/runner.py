"""One benchmark run: per engine a fresh database, the data, the server, every scenario."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import traceback
import uuid
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy.ext.asyncio import create_async_engine

from bench.config import Sizes
from bench.context import Context
from bench.environment import (
    describe_environment,
    describe_sizes,
    python_loop_seconds,
    speed_text,
)
from bench.ledger import add_ticket_rollups
from bench.producer import prepared_records, prepared_runs
from bench.profiling import recording
from bench.report import Report, Row
from bench.scenarios.export import measure_export
from bench.scenarios.feeds import measure_feeds
from bench.scenarios.health import DATA as HEALTH_DATA
from bench.scenarios.health import measure_health
from bench.scenarios.ingest import measure_ingest
from bench.scenarios.ledger import measure_ticket_usage
from bench.scenarios.otlp import measure_otlp
from bench.scenarios.otlp_overhead import measure_otlp_overhead
from bench.scenarios.partition_drop import measure_partition_drop
from bench.scenarios.phoenix import measure_phoenix
from bench.scenarios.presence import measure_presence
from bench.scenarios.requestlog import measure_request_log
from bench.scenarios.runs import measure_runs
from bench.scenarios.ticket_rollups import measure_ticket_rollups
from bench.scenarios.write_costs import measure_write_costs
from bench.storage import create_database, drop_database, open_store
from bench.world import make_world

LOAD_BATCH = 10_000
# The names --only accepts, in the order they run.
SCENARIOS = (
    "feeds",
    "ticket usage",
    "export",
    "ingest",
    "ingest breakdown",
    "otlp",
    "otlp overhead",
    "phoenix",
    "ticket rollups",
    "partition drop",
    "runs list",
    "presence",
    "request log",
    "/healthz under errors",
)


async def load_runs(ctx: Context, console: Console) -> None:
    started = time.perf_counter()
    sizes = ctx.sizes
    batches = prepared_runs(
        ctx.world, ctx.now, ctx.engine, sizes.runs, sizes.hot_agent_runs, seed=5
    )
    async for batch in batches:
        await ctx.store.write_prepared_runs(batch)
    await ctx.store.settle()
    elapsed = time.perf_counter() - started
    console.log(f"{ctx.engine}: {sizes.runs:,} runs loaded in {elapsed:.1f} s")


async def count_records(ctx: Context) -> int:
    sql = "SELECT count(*) FROM activity_records WHERE org_id = ?"
    rows = await ctx.store.fetch(sql, [uuid.UUID(ctx.world.org_id)])
    return int(rows[0][0])


async def load_records(ctx: Context, target: int, step: int, console: Console) -> None:
    """Fill the org up to ``target`` records (earlier steps and the request log count)."""
    missing = target - await count_records(ctx)
    if missing <= 0:
        return
    started = time.perf_counter()
    done = 0
    tickets = create_async_engine(ctx.database.url)
    try:
        batches = prepared_records(ctx.world, ctx.now, ctx.engine, missing, 1000 + step)
        async for batch in batches:
            await ctx.store.write_prepared_records(batch)
            await add_ticket_rollups(tickets, batch.ticket_rows)
            done += len(batch.records)
            if done % 1_000_000 < LOAD_BATCH:
                console.log(f"{ctx.engine}: {done:,} / {missing:,} records loaded")
    finally:
        await tickets.dispose()
    await ctx.store.settle()
    elapsed = time.perf_counter() - started
    console.log(
        f"{ctx.engine}: {missing:,} records loaded in {elapsed:.1f} s ({missing / elapsed:,.0f}/s)"
    )


async def guarded(ctx: Context, name: str, data: str, work: Coroutine[Any, Any, None]) -> None:
    """A scenario that fails is reported as such; the others still run. With ``--only``, a
    scenario not named is skipped."""
    if ctx.only and name not in ctx.only:
        work.close()
        return
    pid = ctx.server.pid if ctx.server is not None else None
    try:
        async with recording(ctx.profile_dir, pid, f"{ctx.engine} {name} {data}"):
            await work
    except Exception as error:
        ctx.rows.append(Row(ctx.engine, data, name, f"failed: {error!s:.80}", result="ERROR"))
        ctx.notes.append(f"{ctx.engine}: {name} failed: {traceback.format_exc()[-1500:]}")


async def measure_engine(ctx: Context, console: Console) -> None:
    sizes = ctx.sizes
    await load_runs(ctx, console)
    first_summary: list[float] = []
    first_usage: dict[str, float] = {}
    server = ctx.server = ctx.new_server()
    # Only for the request log's and the rate limit's costs, at the end: four servers alike but
    # for the log (one on, two off) and the limit (one more, log and limit off), started
    # together and idle until then, so the comparison is not also one of their histories (the
    # harness's server has by then held a thousand MCP clients).
    log_on, log_off = ctx.new_server(), ctx.new_server(request_log=False)
    control = ctx.new_server(request_log=False)
    limit_off = ctx.new_server(request_log=False, rate_limit=False)
    idle = (log_on, log_off, control, limit_off)
    # All the servers start while the first records load and idle while later steps load: one
    # process keeps its memory high-water mark over the whole run, and a start costs seconds.
    starting = asyncio.gather(server.start(), *(each.start() for each in idle))
    try:
        for index, step in enumerate(sizes.record_steps):
            await load_records(ctx, step, index, console)
            await starting
            data = f"{step:,} records"
            console.log(f"{ctx.engine}: queries at {data}")
            await guarded(ctx, "feeds", data, measure_feeds(ctx, step, first_summary))
            usage = measure_ticket_usage(ctx, step, first_usage)
            await guarded(ctx, "ticket usage", data, usage)
        console.log(f"{ctx.engine}: export, ingest, runs, presence")
        await guarded(ctx, "export", data, measure_export(ctx, data))
        await guarded(ctx, "ingest", data, measure_ingest(ctx, data))
        await guarded(ctx, "ingest breakdown", data, measure_write_costs(ctx, data))
        await guarded(ctx, "otlp", data, measure_otlp(ctx, data))
        await guarded(ctx, "otlp overhead", data, measure_otlp_overhead(ctx, data))
        if ctx.engine == "sqlite" and sizes.phoenix_spans:
            await guarded(ctx, "phoenix", data, measure_phoenix(ctx, data))
        await guarded(ctx, "ticket rollups", data, measure_ticket_rollups(ctx, data))
        if ctx.engine == "postgresql":  # SQLite keeps one table: no partitions to drop
            await guarded(ctx, "partition drop", data, measure_partition_drop(ctx, data))
        runs = f"{sizes.runs:,} runs"
        await guarded(ctx, "runs list", runs, measure_runs(ctx, runs))
        await guarded(ctx, "presence", data, measure_presence(ctx, data))
        console.log(f"{ctx.engine}: request log on / off, rate limit on / off")
        measuring = measure_request_log(ctx, data, log_on, log_off, control, limit_off)
        await guarded(ctx, "request log", data, measuring)
        await guarded(ctx, "/healthz under errors", HEALTH_DATA, measure_health(ctx))
    finally:
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        await asyncio.gather(server.stop(), *(each.stop() for each in idle))
        ctx.server = None
    if server.peak_rss:
        ctx.rows.append(
            Row(
                ctx.engine,
                data,
                "peak memory (RSS) of the server and its log helper",
                f"{server.peak_rss / 2**20:,.0f} MiB",
                "",
                "",
                "",
                "",
                {"peak_rss_mib": server.peak_rss / 2**20},
            )
        )


async def run_engine(
    engine: str,
    sizes: Sizes,
    postgres_url: str,
    console: Console,
    profile_dir: Path | None,
    only: frozenset[str] = frozenset(),
) -> tuple[list[Row], list[str]]:
    workdir = Path(tempfile.mkdtemp(prefix="aa-bench-"))
    console.log(f"{engine}: creating a fresh database")
    try:
        database = await create_database(engine, workdir, postgres_url)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    console.log(f"{engine}: database {database.name}, files in {workdir}")
    try:
        world = await make_world(database.url, sizes.mcp_projects)
        store = await open_store(database, bulk=True)
        ctx = Context(engine, sizes, world, database, store, datetime.now(UTC), workdir)
        ctx.profile_dir = profile_dir
        ctx.only = only
        try:
            await measure_engine(ctx, console)
        finally:
            if ctx.server is not None:
                await ctx.server.stop()
            await store.close()
        return ctx.rows, ctx.notes
    finally:
        await drop_database(database, postgres_url)
        shutil.rmtree(workdir, ignore_errors=True)


async def run(
    sizes: Sizes,
    engines: list[str],
    *,
    postgres_url: str,
    output: Path | None,
    console: Console,
    profile_dir: Path | None = None,
    only: frozenset[str] = frozenset(),
) -> Report:
    started = time.monotonic()
    environment = await describe_environment(engines, postgres_url)
    report = Report(sizes.mode, environment, describe_sizes(sizes))
    for engine in engines:
        rows, notes = await run_engine(engine, sizes, postgres_url, console, profile_dir, only)
        report.rows.extend(rows)
        report.notes.extend(notes)
    report.environment["Duration"] = f"{time.monotonic() - started:,.0f} s"
    report.environment["Speed at the end"] = speed_text(python_loop_seconds())
    report.print(console)
    if output is not None:
        report.write(output)
        console.log(f"wrote {output}")
    return report
