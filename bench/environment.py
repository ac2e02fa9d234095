"""What the report says about how it was run: machine, versions, sizes, date."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench.config import Sizes


def _proc_value(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


SPEED_LOOP = 10_000_000


def python_loop_seconds(iterations: int = SPEED_LOOP) -> float:
    """How long an empty Python loop of ``iterations`` takes: the machine's speed right now.

    A shared virtual machine's speed drifts by up to 2x over minutes, and every latency in the
    report moves with it; timed at the start and at the end of a run, this says whether two
    reports may be compared at all.
    """
    started = time.perf_counter()
    for _ in range(iterations):
        pass
    return time.perf_counter() - started


def speed_text(seconds: float, iterations: int = SPEED_LOOP) -> str:
    return f"{seconds:.2f} s for an empty {iterations:,}-iteration Python loop"


async def postgres_version(url: str) -> str:
    try:
        connection = await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"unreachable ({error})"
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def describe_environment(engines: list[str], postgres_url: str) -> dict[str, str]:
    memory = _proc_value("/proc/meminfo", "MemTotal")  # "24684084 kB"
    if memory and memory.endswith(" kB"):
        memory = f"{int(memory.split()[0]) / 2**20:.1f} GiB"
    info = {
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "Commit": _git_commit(),
        "Machine": f"{platform.system()} {platform.release()} {platform.machine()}, "
        f"{_proc_value('/proc/cpuinfo', 'model name') or platform.processor() or 'unknown CPU'}",
        "Cores": str(os.cpu_count()),
        # Other work on the machine at the start (the benchmark shares its cores).
        "Load average at start": " / ".join(f"{load:.2f}" for load in os.getloadavg()),
        "Speed at start": speed_text(python_loop_seconds()),
        "Memory": memory or "unknown",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "Engines": ", ".join(engines),
    }
    if "postgresql" in engines:
        info["PostgreSQL"] = await postgres_version(postgres_url)
    return info


def describe_sizes(sizes: Sizes) -> dict[str, str]:
    steps = " then ".join(f"{n:,}" for n in sizes.record_steps)
    return {
        "Mode": sizes.mode + ("" if sizes.mode == "full" else " (smaller than the targets' sizes)"),
        "Activity records": f"{steps} in one org, the demo's shape over 7 days",
        "Agent runs": f"{sizes.runs:,}, of which {sizes.hot_agent_runs:,} for the measured agent",
        "Ingest": f"{sizes.ingest_records:,} records over HTTP and as many raw, "
        f"in batches of {sizes.ingest_batch:,}",
        "Latency samples": f"{sizes.latency_samples:,} per scenario, one request at a time",
        "Deep feed page": f"{sizes.deep_pages:,} pages of {sizes.page_limit} in",
        "MCP clients": f"{sizes.mcp_clients:,} on {sizes.mcp_projects} projects, "
        f"one tool call each per {sizes.mcp_interval_s:g} s for {sizes.mcp_duration_s:g} s; then "
        f"{sizes.saturation_s:g} s closed-loop",
        "Request log": f"{sizes.requestlog_rounds} rounds of a {sizes.requestlog_window_s:g} s "
        f"window per server (log on, off, off again) at concurrency "
        f"{sizes.throughput_concurrency}",
    }
