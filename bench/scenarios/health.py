"""/healthz while a burst of requests fails unexpectedly on the server (issue #25).

A logged unexpected exception is what used to stall the event loop (a highlighted traceback
rendered for each). The failures here are real ones of an unmodified server: a server of its own,
on a small database of its own whose runs tables were dropped under it, so every runs list is an
unhandled database error, logged and answered 500, the path any bug or schema drift takes. The
harness's main database is left whole for the other scenarios. /healthz p99 is measured between
the bursts and during them, in alternating rounds (bench/burstload.py).
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from bench.context import Context
from bench.loadgen import run_job
from bench.profiling import recording
from bench.report import Row, not_available, verdict
from bench.stats import Latency
from bench.storage import Database, asyncpg_dsn, create_database, drop_database
from bench.world import World, make_world

BURST = 100
IN_FLIGHT = 10
MAX_DELAY_MS = 5.0
SCENARIO = f"/healthz p99 during bursts of {BURST} failing requests"
TARGET = f"+ < {MAX_DELAY_MS:g} ms"
DATA = "its own database"


async def drop_runs_table(database: Database) -> None:
    """Every list of an agent's runs (counted first) becomes an unexpected error; the request
    log, which writes activity records, is unaffected."""
    engine = create_async_engine(database.url)
    cascade = "" if database.engine == "sqlite" else " CASCADE"
    try:
        async with engine.begin() as connection:
            for table in ("agent_run_counts", "agent_runs"):
                await connection.exec_driver_sql(f"DROP TABLE {table}{cascade}")
    finally:
        await engine.dispose()


async def measure_health(ctx: Context) -> None:
    admin = asyncpg_dsn(ctx.database.url)  # a database is created from the harness's own
    workdir = Path(tempfile.mkdtemp(prefix="health-", dir=ctx.workdir))
    broken = await create_database(ctx.engine, workdir, admin)
    try:
        world = await make_world(broken.url, 1)
        await drop_runs_table(broken)
        server = dataclasses.replace(ctx, database=broken).new_server()
        try:
            await server.start()
            # --profile records this scenario's own server, the one whose requests fail.
            name = f"{ctx.engine} /healthz under errors, failing server"
            async with recording(ctx.profile_dir, server.pid, name):
                await measure_on(ctx, server.base_url, world)
        finally:
            await server.stop()
    finally:
        await drop_database(broken, admin)


async def measure_on(ctx: Context, base_url: str, world: World) -> None:
    agent = f"/api/agents/{world.hot_agent_id}"
    sizes = ctx.sizes
    job = {
        "kind": "burst",
        "base_url": base_url,
        "bursts": {
            "failing": {"path": f"{agent}/activities", "headers": world.headers},
            "succeeding": {"path": agent, "headers": world.headers},
        },
        "burst": BURST,
        "in_flight": IN_FLIGHT,
        "rounds": sizes.health_rounds,
        "alone": sizes.health_alone,
        "warmup": 20,
    }
    result = await run_job(job)
    failed = result["answers"]["failing"]["statuses"]
    succeeded = result["answers"]["succeeding"]["statuses"]
    if set(failed) != {"500"} or set(succeeded) != {"200"}:
        reason = f"bursts answered {failed} and {succeeded}, not only 500 and 200"
        ctx.rows.append(not_available(ctx.engine, DATA, SCENARIO, reason, TARGET))
        return
    ctx.check_failures(result["alone"], "/healthz alone")
    for kind in ("failing", "succeeding"):
        ctx.check_failures(result["during"][kind], f"/healthz during {kind} bursts")
    alone = Latency.of(result["alone"]["latencies_ms"])
    during = Latency.of(result["during"]["failing"]["latencies_ms"])
    control = Latency.of(result["during"]["succeeding"]["latencies_ms"])
    delay = during.p99 - alone.p99
    # What the errors add over any burst of as many requests: the failing bursts against the
    # succeeding ones (queueing behind ten requests in flight is in both).
    errors_share = during.p99 - control.p99
    ctx.rows.append(
        Row(
            ctx.engine,
            DATA,
            SCENARIO,
            during.text(),
            f"alone {alone.text()}; {BURST} succeeding: {control.text()} "
            f"(failing - succeeding p99: {errors_share:+.2f} ms)",
            f"{delay:+.2f} ms",
            TARGET,
            verdict(delay < MAX_DELAY_MS),
            {
                "alone_p50_ms": alone.p50,
                "alone_p99_ms": alone.p99,
                "during_p50_ms": during.p50,
                "during_p99_ms": during.p99,
                "succeeding_p99_ms": control.p99,
                "errors_share_ms": errors_share,
                "delay_ms": delay,
                "failed_requests": failed["500"],
                "during_samples": during.samples,
            },
        )
    )
    ctx.notes.append(
        f"{ctx.engine}: /healthz: {sizes.health_rounds} rounds of {sizes.health_alone} probes "
        f"alone, then {BURST} runs-list requests ({IN_FLIGHT} in flight) that fail server-side "
        f"(a server of its own on a database whose runs tables were dropped), probed back to "
        f"back until the burst was answered; alike with {BURST} agent reads that succeed, the "
        f"control: what any burst of requests costs /healthz. {failed['500']} answered 500, "
        f"{during.samples} probes during failing bursts, {control.samples} during succeeding ones"
    )
