"""Spans/s stored by this service and by Arize Phoenix, both on SQLite, from the same
OpenTelemetry SDK exporter (``OTLPSpanExporter``, http/protobuf, exports of 512 spans, the
BatchSpanProcessor's default batch, one export at a time as that processor sends them).

The same spans (bench/otlpdata.py's GenAI spans, made before the clock) go to each endpoint from
a load-generator process: to this service twice (before Phoenix starts and after it stopped),
to Phoenix once. A rate is the spans each one holds in its database, counted once it
has stored them all, over the time from the first export to the last span stored: Phoenix
answers an export before it writes its spans, this service after.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bench import phoenix
from bench.context import Context
from bench.loadgen import run_job
from bench.report import Row, not_available, verdict
from bench.stats import fmt_count

SCENARIO = "OTLP spans/s from the SDK exporter (exports of {batch}): ours vs Phoenix {version}"
TARGET = "≥ 100x Phoenix"
BATCH = 512  # BatchSpanProcessor's default max_export_batch_size
POLL_S = 0.1


async def our_stored_spans(ctx: Context) -> int:
    sql = (
        "SELECT count(*) FROM activity_records WHERE org_id = ? AND external_id LIKE 'otlp:span:%'"
    )
    rows = await ctx.store.fetch(sql, [uuid.UUID(ctx.world.org_id)])
    return int(rows[0][0])


async def send_and_wait(
    endpoint: str,
    headers: dict[str, str],
    spans: int,
    count: Callable[[], Awaitable[int]],
    timeout_s: float,
) -> tuple[float, int, int]:
    """(seconds from the first export to the last span stored, spans stored, exports failed)."""
    before = await count()
    job: dict[str, Any] = {"kind": "sdk-spans", "endpoint": endpoint, "headers": headers}
    job |= {"count": spans, "batch": BATCH, "seed": 9}
    result = await run_job(job)
    deadline = time.time() + timeout_s
    stored = await count() - before
    while stored < spans and time.time() < deadline:
        await asyncio.sleep(POLL_S)
        stored = await count() - before
    done = time.time()
    return done - float(result["started_at"]), stored, int(result["failed_exports"])


async def measure_phoenix(ctx: Context, data: str) -> None:
    spans = ctx.sizes.phoenix_spans
    try:
        version = await phoenix.ensure_installed(phoenix.VENV)
    except phoenix.Unavailable as error:
        scenario = SCENARIO.format(batch=BATCH, version="(not installed)")
        ctx.rows.append(not_available(ctx.engine, data, scenario, str(error)[:120], TARGET))
        ctx.notes.append(f"{ctx.engine}: Phoenix could not be installed: {error}")
        return
    server = phoenix.Phoenix(phoenix.VENV, ctx.workdir / "phoenix")

    async def ours_round() -> tuple[float, int, int]:
        endpoint = f"{ctx.base_url}/otlp/v1/traces"
        return await send_and_wait(
            endpoint, ctx.world.headers, spans, lambda: our_stored_spans(ctx), timeout_s=60
        )

    async def theirs_count() -> int:
        return await asyncio.to_thread(server.stored_spans)

    # Ours takes a second or two: a round before Phoenix and one after it (stopped by then)
    # so a slow moment of the shared machine weighs less on it.
    first = await ours_round()
    try:
        await server.start()
        # Phoenix stored 137-154 spans/s here: room for a rate of 20/s before giving up.
        theirs_s, theirs, theirs_failed = await send_and_wait(
            server.traces_endpoint, {}, spans, theirs_count, timeout_s=spans / 20
        )
    except phoenix.Unavailable as error:
        scenario = SCENARIO.format(batch=BATCH, version=version)
        ctx.rows.append(not_available(ctx.engine, data, scenario, str(error)[:120], TARGET))
        return
    finally:
        await server.stop()
    second = await ours_round()
    ours_s, ours, ours_failed = (a + b for a, b in zip(first, second, strict=True))
    if ours_failed or theirs_failed:
        ctx.notes.append(
            f"{ctx.engine}: Phoenix scenario: failed exports, ours {ours_failed}, "
            f"Phoenix {theirs_failed}"
        )
    ours_rate, theirs_rate = ours / ours_s, theirs / theirs_s
    ratio = ours_rate / theirs_rate if theirs_rate else float("inf")
    sent = 2 * spans
    ctx.rows.append(
        Row(
            ctx.engine,
            f"{spans:,} spans",
            SCENARIO.format(batch=BATCH, version=version),
            f"{fmt_count(ours_rate)}/s ({ours:,} stored, 2 rounds)",
            f"Phoenix {fmt_count(theirs_rate)}/s ({theirs:,} stored)",
            f"{ratio:.0f}x",
            TARGET,
            verdict(ratio >= 100 and ours == sent and theirs == spans),
            {
                "ours_per_s": ours_rate,
                "phoenix_per_s": theirs_rate,
                "ratio": ratio,
                "ours_stored": ours,
                "phoenix_stored": theirs,
                "sent": sent,
            },
        )
    )
