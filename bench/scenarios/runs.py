"""The runs list of file 003 for the agent with the most runs: every single filter x every sort.

The requests cycle through all the combinations, so the p99 covers the slowest of them; the
row also names the combination with the slowest median.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.context import Context, reason
from bench.report import Row, not_available, verdict
from bench.stats import Latency, fmt_ms

TARGET = "p99 ≤ 20 ms"
SORTS = [
    f"{sign}{key}"
    for key in ("started_on", "completed_on", "created_on", "status")
    for sign in ("-", "+")
]


def filters(now: datetime) -> list[dict[str, str]]:
    day, week_ago = (now - timedelta(days=1)).isoformat(), (now - timedelta(days=6)).isoformat()
    return [
        {"status": "completed"},
        {"status": "failed,cancelled"},
        {"started_on_from": day},
        {"started_on_to": week_ago},
        {"completed_on_from": day},
        {"completed_on_to": week_ago},
        {"created_on_from": day},
        {"created_on_to": week_ago},
        {"has_started": "false"},
        {"has_completed": "true"},
    ]


def label(params: dict[str, str]) -> str:
    return " ".join(f"{k}={v[:10]}" for k, v in params.items() if k != "per_page")


async def measure_runs(ctx: Context, data: str) -> None:
    agent = ctx.world.hot_agent_id
    path = f"/api/agents/{agent}/activities"
    scenario = f"runs list, 1 filter x any sort ({ctx.sizes.hot_agent_runs:,} runs of the agent)"
    probe = await ctx.probe("GET", path)
    if not probe.is_success:
        ctx.rows.append(not_available(ctx.engine, data, scenario, reason(probe), TARGET))
        return
    combos: list[dict[str, Any]] = [
        {**one, "sort": sort} for one in filters(datetime.now(UTC)) for sort in SORTS
    ]
    specs = [{"method": "GET", "path": path, "params": params} for params in combos]
    count = max(ctx.sizes.latency_samples, 3 * len(specs))  # the slowest needs a median
    (result,) = await ctx.latency(specs, count=count)
    latencies = result["latencies_ms"]
    overall = Latency.of(latencies)
    by_combo: dict[int, list[float]] = defaultdict(list)
    for index, value in enumerate(latencies):
        by_combo[index % len(specs)].append(value)
    slowest = max(by_combo, key=lambda i: statistics.median(by_combo[i]))
    slowest_median = statistics.median(by_combo[slowest])
    ctx.rows.append(
        Row(
            ctx.engine,
            data,
            scenario,
            overall.text(),
            f"slowest: {label(combos[slowest])} p50 {fmt_ms(slowest_median)}",
            "",
            TARGET,
            verdict(overall.p99 <= 20.0),
            {"p50_ms": overall.p50, "p99_ms": overall.p99},
        )
    )
