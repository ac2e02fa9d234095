"""The request log's cost: closed-loop throughput of a mix of reads with it off and on.

Three servers alike but for the log (one on, two off), started together and idle until now,
run on the same data and take short closed-loop windows in turns; the rates are summed over the
windows, so the drifts of a shared machine hit every side alike. The log is measured against
both log-off servers together; the two against each other are the control: two identical
servers, whose ratio shows how far the measurement itself strays (on this two-core machine,
0.93-1.05 over 12 rounds, 0.966-1.014 over 30: bench/config.py says why there are 60). A
fourth server, with the log and the rate limit off, takes its turn in the same rotation for the
limit's cost (scenarios/ratelimit.py).
"""

from __future__ import annotations

from typing import Any

from bench.context import Context
from bench.loadgen import run_job
from bench.report import not_available, on_off_row, verdict
from bench.scenarios.ratelimit import LIMIT_OFF, add_rate_limit_row
from bench.server import Server
from bench.stats import rate_of

SCENARIO = "request log on / off, requests/s"
TARGET = "≥ 0.95"


def candidate_requests(ctx: Context) -> list[dict[str, Any]]:
    org, project = ctx.world.org_id, ctx.world.project_ids[0]
    return [
        {"path": f"/v1/orgs/{org}/activity", "params": {"limit": 20}},
        {"path": f"/api/agents/{ctx.world.hot_agent_id}/activities", "params": {}},
        {"path": f"/api/projects/{project}/agent-activity", "params": {}},
        {"path": f"/v1/orgs/{org}/activity/summary", "params": {"hours": 24}},
    ]


async def alternate(
    ctx: Context, urls: dict[str, str], specs: list[dict[str, Any]]
) -> dict[str, list[float]]:
    """Short windows on each server in turn: (requests, seconds) per server."""
    sizes = ctx.sizes
    phase = {
        "requests": [{**spec, "headers": ctx.world.headers} for spec in specs],
        "concurrency": sizes.throughput_concurrency,
        "warmup": 10,
        "duration_s": sizes.requestlog_window_s,
        # The log-on server flushes its buffer up to half a second after its window: let that
        # land before the next window, so it is not counted against the other side.
        "pause_s": 0.6,
    }
    # Each round starts one server later (on, off, control; off, control, on; ...): every
    # server takes every place in a round equally often, so a drift of the machine's speed
    # within a round favours none, and no server runs twice in a row. A window that follows
    # one of the same server runs faster (its caches are warm): with forwards-then-backwards
    # rounds the middle server never had one, and the log, in the middle, read 0.860 where
    # rotating reads 1.019 (10,000,000 records, PostgreSQL).
    names = list(urls)
    order = [
        names[(round_ + place) % len(names)]
        for round_ in range(sizes.requestlog_rounds)
        for place in range(len(names))
    ]
    job = {
        "kind": "requests",
        "base_url": urls[names[0]],
        "phases": [{**phase, "base_url": urls[name]} for name in order],
    }
    results = (await run_job(job))["phases"]
    totals = {name: [0.0, 0.0] for name in names}
    for name, result in zip(order, results, strict=True):
        ctx.check_failures(result, "request log mix")
        totals[name][0] += sum(n for code, n in result["statuses"].items() if code.startswith("2"))
        totals[name][1] += result["elapsed_s"]
    return totals


async def measure_request_log(
    ctx: Context, data: str, log_on: Server, log_off: Server, control: Server, limit_off: Server
) -> None:
    """``log_on`` against ``log_off`` and ``control`` (the log off in both): three servers on the
    same data, alike but for the log, that idled until now, measured in turns; with them in the
    same rotation ``limit_off`` (log and rate limit off), for the limit's cost
    (scenarios/ratelimit.py)."""
    specs = []
    for spec in candidate_requests(ctx):
        response = await ctx.probe("GET", spec["path"], params=spec["params"])
        if response.is_success:
            specs.append(spec)
    if not specs:
        ctx.rows.append(not_available(ctx.engine, data, SCENARIO, "no read endpoint yet", TARGET))
        return
    urls = {"on": log_on.base_url, "off": log_off.base_url, "control": control.base_url}
    urls[LIMIT_OFF] = limit_off.base_url
    totals = await alternate(ctx, urls, specs)
    on, off = rate_of(totals["on"]), rate_of(totals["off"], totals["control"])
    ratio = on / off
    control_ratio = rate_of(totals["control"]) / rate_of(totals["off"])
    mix = ", ".join(spec["path"].rsplit("/", 1)[-1] for spec in specs)
    row = on_off_row(ctx.engine, data, SCENARIO, (on, off), ("off/off", control_ratio))
    row.target, row.result = TARGET, verdict(ratio >= 0.95)
    row.metrics["endpoints"] = len(specs)
    ctx.rows.append(row)
    ctx.notes.append(
        f"{ctx.engine}: request-log mix ({mix}) at concurrency "
        f"{ctx.sizes.throughput_concurrency}, {ctx.sizes.requestlog_rounds} rounds of a "
        f"{ctx.sizes.requestlog_window_s:g} s window per server, one server with the log on "
        f"against two with it off; the two log-off servers against each other (the "
        f"measurement's own spread): {control_ratio:.3f}"
    )
    add_rate_limit_row(ctx, data, totals, mix)
