"""The request log's cost: closed-loop throughput of a mix of reads with it off and on.

Each round starts a fresh server with the log off, then one with it on, on the same data; the
rates are summed over rounds, so slow drifts of a shared machine hit both sides alike.
"""

from __future__ import annotations

from typing import Any

from bench.context import Context
from bench.loadgen import run_job
from bench.report import Row, not_available, verdict
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


async def throughput(ctx: Context, specs: list[dict[str, Any]]) -> tuple[int, float]:
    phase = {
        "requests": [{**spec, "headers": ctx.world.headers} for spec in specs],
        "concurrency": ctx.sizes.throughput_concurrency,
        "warmup": 20,
        "duration_s": ctx.sizes.requestlog_window_s,
    }
    result = (await run_job({"kind": "requests", "base_url": ctx.base_url, "phases": [phase]}))[
        "phases"
    ][0]
    ctx.check_failures(result, "request log mix")
    done = sum(n for code, n in result["statuses"].items() if code.startswith("2"))
    return done, float(result["elapsed_s"])


async def measure_request_log(ctx: Context, data: str) -> None:
    totals = {False: [0, 0.0], True: [0, 0.0]}
    specs: list[dict[str, Any]] = []
    for round_index in range(ctx.sizes.requestlog_rounds):
        for enabled in (False, True):
            ctx.server = ctx.new_server(request_log=enabled)
            await ctx.server.start()
            try:
                if round_index == 0 and not enabled:
                    for spec in candidate_requests(ctx):
                        response = await ctx.probe("GET", spec["path"], params=spec["params"])
                        if response.is_success:
                            specs.append(spec)
                if not specs:
                    ctx.rows.append(
                        not_available(ctx.engine, data, SCENARIO, "no read endpoint yet", TARGET)
                    )
                    return
                done, elapsed = await throughput(ctx, specs)
                totals[enabled][0] += done
                totals[enabled][1] += elapsed
            finally:
                await ctx.server.stop()
                ctx.server = None
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
        f"{ctx.sizes.throughput_concurrency}, {ctx.sizes.requestlog_rounds} round(s) of "
        f"{ctx.sizes.requestlog_window_s:g} s per setting"
    )
