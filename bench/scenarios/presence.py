"""Presence over MCP: tool-call latency under the steady load of many clients, the board's
agent-activity endpoint while they are live, and the most tool calls per second one process takes.
"""

from __future__ import annotations

from bench.context import Context
from bench.http1 import Connection, HTTPError
from bench.loadgen import run_job
from bench.mcp_client import McpClient, McpError
from bench.report import Row, not_available, verdict
from bench.stats import Latency, fmt_count

SATURATION_CONCURRENCY = 16


async def probe_mcp(ctx: Context) -> str | None:
    """None when one sessionless client can call a tool; else why not."""
    async with Connection(ctx.base_url, timeout_s=60) as http:
        client = McpClient(
            http, ctx.world.token, ctx.world.project_ids[0], "bench-probe", "Bench Probe"
        )
        try:
            await client.call_tool("heartbeat", {})
        except (McpError, HTTPError, KeyError, ValueError) as error:
            return str(error)[:80]
    return None


async def live_sessions(ctx: Context) -> int:
    rows = await ctx.store.fetch("SELECT count(*) FROM agent_sessions WHERE ended_at IS NULL")
    return int(rows[0][0])


async def measure_presence(ctx: Context, data: str) -> None:
    sizes = ctx.sizes
    clients, projects = sizes.mcp_clients, sizes.mcp_projects
    load = f"{clients:,} clients, {projects} projects, a call each per {sizes.mcp_interval_s:g} s"
    arriving = f"MCP start_work as {clients:,} clients arrive (each once, within "
    arriving += f"{sizes.mcp_interval_s:g} s)"
    names = (
        f"MCP tool call ({load})",
        "GET …/agent-activity (clients live)",
        "most tool calls/s",
        arriving,
    )
    targets = ("p99 ≤ 50 ms", "p99 ≤ 15 ms", "", "")
    failure = await probe_mcp(ctx)
    activity = await ctx.probe("GET", f"/api/projects/{ctx.world.project_ids[0]}/agent-activity")
    if failure is not None:
        for name, target in zip(names, targets, strict=True):
            ctx.rows.append(not_available(ctx.engine, data, name, failure, target))
        return
    job = {
        "kind": "mcp",
        "base_url": ctx.base_url,
        "headers": ctx.world.headers,
        "clients": clients,
        "project_ids": ctx.world.project_ids[:projects],
        "tokens": ctx.world.mcp_tokens,
        "interval_s": sizes.mcp_interval_s,
        "duration_s": sizes.mcp_duration_s,
        "saturation_s": sizes.saturation_s,
        "saturation_concurrency": SATURATION_CONCURRENCY,
    }
    result = await run_job(job)
    for part in ("start", "tool", "activity", "saturation"):
        ctx.check_failures(result[part], f"presence {part}")
    sessions = await live_sessions(ctx)
    arrival = Latency.of(result["start"]["latencies_ms"])
    ctx.rows.append(
        Row(
            ctx.engine,
            data,
            names[3],
            arrival.text(),
            "a burst of writes, before the steady load",
            "",
            "",
            "",
            {"p50_ms": arrival.p50, "p99_ms": arrival.p99},
        )
    )
    tool = Latency.of(result["tool"]["latencies_ms"])
    offered = len(result["tool"]["latencies_ms"]) / result["tool"]["elapsed_s"]
    ctx.rows.append(
        Row(
            ctx.engine,
            data,
            names[0],
            tool.text(),
            f"{offered:.0f} calls/s offered",
            "",
            targets[0],
            verdict(tool.p99 <= 50.0),
            {"p50_ms": tool.p50, "p99_ms": tool.p99, "calls_per_s": offered},
        )
    )
    if activity.is_success and result["activity"]["latencies_ms"]:
        board = Latency.of(result["activity"]["latencies_ms"])
        ctx.rows.append(
            Row(
                ctx.engine,
                data,
                names[1],
                board.text(),
                f"{sessions:,} live sessions",
                "",
                targets[1],
                verdict(board.p99 <= 15.0),
                {"p50_ms": board.p50, "p99_ms": board.p99, "sessions": sessions},
            )
        )
    else:
        ctx.rows.append(
            not_available(ctx.engine, data, names[1], f"HTTP {activity.status_code}", targets[1])
        )
    saturation = result["saturation"]
    rate = saturation["statuses"].get("200", 0) / saturation["elapsed_s"]
    at_peak = Latency.of(saturation["latencies_ms"])
    ctx.rows.append(
        Row(
            ctx.engine,
            data,
            names[2],
            f"{fmt_count(rate)}/s",
            f"{SATURATION_CONCURRENCY} in flight, {at_peak.text()}",
            "",
            "",
            "",
            {"calls_per_s": rate, "p99_ms": at_peak.p99},
        )
    )
