"""OTLP log records/s and spans/s stored through ``/otlp/v1/logs`` and ``/otlp/v1/traces`` of
the real server, next to the ingest API and the raw write of the same number of rows.

Per round, in turn: the raw write, the ingest API, OTLP logs, OTLP traces, each of the same
count in exports (batches) of the same size, sent from the load generator's process over the
same number of connections; so all four see the same table sizes and the same machine. OTLP
bodies are protobuf, shaped like Claude Code's events and GenAI spans (bench/otlpdata.py), built
before the clock. What counts is what the database holds after: the rows of the org with an
OTLP key, counted before and after each OTLP pass.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from bench.context import Context, reason
from bench.loadgen import Result, run_job
from bench.otlpdata import OTLP_LOGS, exports
from bench.report import Row, not_available, verdict
from bench.scenarios.ingest import CONCURRENCY, http_round, raw_round
from bench.stats import Latency, fmt_count

SCENARIO = "OTLP {what}/s (exports of {batch:,}) vs ingest API"
TARGET = "≥ 0.7x ingest"
ROUNDS = 2
SIGNALS = {"logs": "log records", "traces": "spans"}


async def stored_otlp_rows(ctx: Context) -> int:
    sql = "SELECT count(*) FROM activity_records WHERE org_id = ? AND external_id LIKE 'otlp:%'"
    rows = await ctx.store.fetch(sql, [uuid.UUID(ctx.world.org_id)])
    return int(rows[0][0])


async def otlp_round(ctx: Context, signal: str, count: int, batch: int, seed: int) -> Result:
    job = {
        "kind": "otlp",
        "base_url": ctx.base_url,
        "signal": signal,
        "headers": ctx.world.headers,
        "now": (datetime.now(UTC) - timedelta(minutes=10)).isoformat(),
        "seed": seed,
        "count": count,
        "batch": batch,
        "concurrency": CONCURRENCY,
    }
    before = await stored_otlp_rows(ctx)
    result = await run_job(job)
    ctx.check_failures(result, f"otlp {signal}")
    result["stored"] = await stored_otlp_rows(ctx) - before
    return result


async def measure_otlp(ctx: Context, data: str) -> None:
    batch = ctx.sizes.ingest_batch
    at = datetime.now(UTC) - timedelta(minutes=10)
    probe = await ctx.probe(
        "POST",
        OTLP_LOGS,
        content=next(exports("logs", 1, 1, at, seed=1)),
        headers={"Content-Type": "application/x-protobuf"},
    )
    if not probe.is_success:
        for what in SIGNALS.values():
            scenario = SCENARIO.format(what=what, batch=batch)
            ctx.rows.append(not_available(ctx.engine, data, scenario, reason(probe), TARGET))
        return
    per_round = max(batch, ctx.sizes.ingest_records // ROUNDS // batch * batch)
    raw_s = ingest_s = 0.0
    ingested = 0
    seconds = dict.fromkeys(SIGNALS, 0.0)
    stored = dict.fromkeys(SIGNALS, 0)
    latencies: dict[str, list[float]] = {signal: [] for signal in SIGNALS}
    path = f"/v1/orgs/{ctx.world.org_id}/activity"
    for index in range(ROUNDS):
        raw_s += await raw_round(ctx, per_round, batch, seed=400 + index)
        result = await http_round(ctx, path, per_round, batch, seed=500 + index)
        ingest_s += result["elapsed_s"]
        ingested += result["statuses"].get("201", 0) * batch
        for signal in SIGNALS:
            result = await otlp_round(ctx, signal, per_round, batch, seed=600 + index)
            seconds[signal] += result["elapsed_s"]
            stored[signal] += result["stored"]
            latencies[signal] += result["latencies_ms"]
    raw = ROUNDS * per_round / raw_s
    ingest = ingested / ingest_s
    for signal, what in SIGNALS.items():
        rate = stored[signal] / seconds[signal]
        ratio = rate / ingest
        per_export = Latency.of(latencies[signal])
        ctx.rows.append(
            Row(
                ctx.engine,
                data,
                SCENARIO.format(what=what, batch=batch),
                f"{fmt_count(rate)}/s (export {per_export.text()})",
                f"ingest {fmt_count(ingest)}/s, raw {fmt_count(raw)}/s",
                f"{ratio:.2f}",
                TARGET,
                verdict(ratio >= 0.7 and stored[signal] == ROUNDS * per_round),
                {
                    "items_per_s": rate,
                    "ingest_per_s": ingest,
                    "raw_per_s": raw,
                    "ratio": ratio,
                    "raw_ratio": rate / raw,
                    "stored": stored[signal],
                    "sent": ROUNDS * per_round,
                },
            )
        )
