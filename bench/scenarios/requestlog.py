"""The request log's cost: closed-loop throughput of a mix of reads with it off and on.

Two servers alike but for the log, started together and idle until now, run side by side on
the same data and take short closed-loop windows in turns; the rates are summed over the
windows, so the drifts of a shared machine hit both sides alike.
"""

from __future__ import annotations

from typing import Any

from bench.context import Context
from bench.loadgen import run_job
from bench.report import Row, not_available, verdict
from bench.server import Server
from bench.stats import fmt_count

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
    ctx: Context, urls: dict[bool, str], specs: list[dict[str, Any]]
) -> dict[bool, list[float]]:
    """Short windows on the log-off and log-on servers in turn: (requests, seconds) per side."""
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
    # Off-on, then on-off, and so on: a drift of the machine's speed across a pair of windows
    # then favours each side alike rather than always the second.
    order = [
        enabled
        for round_ in range(sizes.requestlog_rounds)
        for enabled in ((False, True) if round_ % 2 == 0 else (True, False))
    ]
    job = {
        "kind": "requests",
        "base_url": urls[False],
        "phases": [{**phase, "base_url": urls[enabled]} for enabled in order],
    }
    results = (await run_job(job))["phases"]
    totals = {False: [0.0, 0.0], True: [0.0, 0.0]}
    for enabled, result in zip(order, results, strict=True):
        ctx.check_failures(result, "request log mix")
        totals[enabled][0] += sum(
            n for code, n in result["statuses"].items() if code.startswith("2")
        )
        totals[enabled][1] += result["elapsed_s"]
    return totals


async def measure_request_log(ctx: Context, data: str, log_on: Server, log_off: Server) -> None:
    """``log_on`` against ``log_off``: two servers on the same data, alike but for the log, that
    idled until now, measured in turns."""
    specs = []
    for spec in candidate_requests(ctx):
        response = await ctx.probe("GET", spec["path"], params=spec["params"])
        if response.is_success:
            specs.append(spec)
    if not specs:
        ctx.rows.append(not_available(ctx.engine, data, SCENARIO, "no read endpoint yet", TARGET))
        return
    totals = await alternate(ctx, {True: log_on.base_url, False: log_off.base_url}, specs)
    off = totals[False][0] / totals[False][1]
    on = totals[True][0] / totals[True][1]
    ratio = on / off
    mix = ", ".join(spec["path"].rsplit("/", 1)[-1] for spec in specs)
    ctx.rows.append(
        Row(
            ctx.engine,
            data,
            SCENARIO,
            f"{fmt_count(on)}/s on",
            f"{fmt_count(off)}/s off",
            f"{ratio:.3f}",
            TARGET,
            verdict(ratio >= 0.95),
            {"on_per_s": on, "off_per_s": off, "ratio": ratio, "endpoints": len(specs)},
        )
    )
    ctx.notes.append(
        f"{ctx.engine}: request-log mix ({mix}) at concurrency "
        f"{ctx.sizes.throughput_concurrency}, {ctx.sizes.requestlog_rounds} alternations of "
        f"{ctx.sizes.requestlog_window_s:g} s per setting"
    )
