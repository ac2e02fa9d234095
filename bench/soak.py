"""`python -m bench.soak`: does the server's memory level off under a steady MCP load?

A fresh database, the benchmark's world, one `agent-activity serve` as the harness starts it
(request log on, from its helper process; rate limit on), and a load-generator process whose
MCP clients each start work once and then call a tool every interval for the whole duration,
while a poller reads the board. Every few seconds the resident set (VmRSS) of the server and
of its request-log helper is sampled. The growth per minute is the least-squares slope of their
sum after the warm-up (the first minute by default: imports, caches and pools fill then); the
memory levels off when the second half of that span grows by less than half the first half's
rate, or by less than LEVEL_MIB_PER_MIN.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.config import QUICK
from bench.context import Context
from bench.lifecycle import end_descendants, until_signalled
from bench.loadgen import run_job
from bench.server import Server, children_of, rss_bytes
from bench.storage import create_database, drop_database, open_store
from bench.traced import DIR_ENV
from bench.world import make_world

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
# Below this a slope is noise: a few pages of allocator churn over a minute.
LEVEL_MIB_PER_MIN = 0.1
MIB = 2**20


@dataclass(frozen=True)
class Sample:
    at_s: float  # since the load began
    server_bytes: int
    helper_bytes: int

    @property
    def total_mib(self) -> float:
        return (self.server_bytes + self.helper_bytes) / MIB


@dataclass
class Soak:
    engine: str
    agents: int
    duration_s: float
    warmup_s: float
    samples: list[Sample] = field(default_factory=list)
    calls: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    first_errors: list[str] = field(default_factory=list)

    def after_warmup(self) -> list[Sample]:
        return [s for s in self.samples if s.at_s >= self.warmup_s]

    def growth_mib_per_min(self) -> float | None:
        return slope_per_min(self.after_warmup())

    def halves(self) -> tuple[float | None, float | None]:
        """The growth per minute over the first and the second half of the span after warm-up."""
        kept = self.after_warmup()
        if len(kept) < 4:
            return None, None
        middle = (kept[0].at_s + kept[-1].at_s) / 2
        first = [s for s in kept if s.at_s <= middle]
        second = [s for s in kept if s.at_s >= middle]
        return slope_per_min(first), slope_per_min(second)

    def levels_off(self) -> bool | None:
        first, second = self.halves()
        if first is None or second is None:
            return None
        return second < LEVEL_MIB_PER_MIN or second < first / 2


def slope_per_min(samples: list[Sample]) -> float | None:
    """Least-squares slope of the total RSS, in MiB per minute."""
    if len(samples) < 2:
        return None
    xs = [s.at_s / 60 for s in samples]
    ys = [s.total_mib for s in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def sample(pid: int, at_s: float) -> Sample:
    helpers = sum(rss_bytes(child) for child in children_of(pid))
    return Sample(at_s, rss_bytes(pid), helpers)


async def sample_until(pid: int, every_s: float, done: asyncio.Future[Any], soak: Soak) -> None:
    began = time.monotonic()
    while True:
        soak.samples.append(sample(pid, time.monotonic() - began))
        try:
            await asyncio.wait_for(asyncio.shield(done), every_s)
        except TimeoutError:
            continue
        soak.samples.append(sample(pid, time.monotonic() - began))
        return


def trace(server: Server, directory: Path) -> None:
    """Start ``server`` under bench.traced: a tracemalloc snapshot into ``directory`` a minute."""
    server.command = [sys.executable, "-m", "bench.traced"]
    server.env[DIR_ENV] = str(directory.resolve())
    server.env["PYTHONPATH"] = str(ROOT)


def mcp_soak_job(ctx: Context, server: Server, agents: int, interval_s: float) -> dict[str, Any]:
    """The presence scenario's job, steady for the whole soak, without its saturation part."""
    projects = ctx.world.project_ids
    return {
        "kind": "mcp",
        "base_url": server.base_url,
        "headers": ctx.world.headers,
        "clients": agents,
        "project_ids": projects,
        "tokens": ctx.world.mcp_tokens,
        "interval_s": interval_s,
        "duration_s": ctx.sizes.mcp_duration_s,
        "saturation_s": 0,
        "saturation_concurrency": 1,
    }


async def run_soak(
    engine: str,
    *,
    agents: int,
    duration_s: float,
    interval_s: float,
    every_s: float,
    warmup_s: float,
    postgres_url: str,
    console: Console,
    tracemalloc_dir: Path | None = None,
    server_log: Path | None = None,
) -> Soak:
    workdir = Path(tempfile.mkdtemp(prefix="aa-soak-"))
    database = await create_database(engine, workdir, postgres_url)
    soak = Soak(engine, agents, duration_s, warmup_s)
    try:
        sizes = replace(QUICK, mode="soak", mcp_duration_s=duration_s)
        world = await make_world(database.url, sizes.mcp_projects)
        store = await open_store(database)
        ctx = Context(engine, sizes, world, database, store, datetime.now(UTC), workdir)
        server = ctx.new_server()
        if tracemalloc_dir is not None:
            trace(server, tracemalloc_dir)
        try:
            await server.start()
            assert server.pid is not None
            console.log(f"{engine}: {agents} MCP agents for {duration_s:g} s, pid {server.pid}")
            job = asyncio.ensure_future(run_job(mcp_soak_job(ctx, server, agents, interval_s)))
            try:
                await sample_until(server.pid, every_s, job, soak)
            finally:
                job.cancel()  # a stopped soak: its load generator goes first (run_job kills it)
                await asyncio.gather(job, return_exceptions=True)
            result = job.result()
        finally:
            await server.stop()
            await store.close()
        for part in ("start", "tool", "activity"):
            statuses: dict[str, int] = result[part]["statuses"]
            soak.calls += sum(statuses.values())
            for code, count in statuses.items():
                if not code.startswith("2"):
                    soak.failures[f"{part} {code}"] = count
            soak.first_errors.extend(result[part]["errors"][:1])
    finally:
        await drop_database(database, postgres_url)
        if server_log is not None and (workdir / "server.log").exists():  # kept for a look
            shutil.copyfile(workdir / "server.log", server_log)
        shutil.rmtree(workdir, ignore_errors=True)
    return soak


def mib(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.3f} MiB/min"


def print_soak(soak: Soak, console: Console) -> None:
    table = Table(title=f"Memory soak: {soak.engine}, {soak.agents} MCP agents")
    for name in ("t (s)", "server RSS (MiB)", "log helper RSS (MiB)", "total (MiB)"):
        table.add_column(name, justify="right")
    for s in soak.samples:
        table.add_row(
            f"{s.at_s:.0f}",
            f"{s.server_bytes / MIB:.1f}",
            f"{s.helper_bytes / MIB:.1f}",
            f"{s.total_mib:.1f}",
        )
    console.print(table)
    first, second = soak.halves()
    levels = soak.levels_off()
    verdict = {True: "yes", False: "NO", None: "too short to tell"}[levels]
    console.print(
        f"requests: {soak.calls:,}, failed: {soak.failures or 'none'}\n"
        f"growth after the first {soak.warmup_s:g} s: {mib(soak.growth_mib_per_min())} "
        f"(first half {mib(first)}, second half {mib(second)}); levels off: {verdict}"
    )
    for error in soak.first_errors:
        console.print(f"first failure: {error}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description="Sample the server's memory under a steady MCP load and tell whether it "
        "levels off.",
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument("--agents", type=int, default=200, help="MCP clients (default 200)")
    parser.add_argument(
        "--interval", type=float, default=10.0, help="seconds between one agent's calls"
    )
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument(
        "--warmup", type=float, default=60.0, help="seconds left out of the growth (default 60)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("AGENT_ACTIVITY_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="an admin connection, for --engine postgresql",
    )
    parser.add_argument(
        "--server-log",
        type=Path,
        metavar="PATH",
        help="keep the server's log (stdout and stderr) at PATH",
    )
    parser.add_argument(
        "--tracemalloc",
        type=Path,
        metavar="DIR",
        help="run the server under tracemalloc, a snapshot into DIR each minute (then "
        "`python -m bench.traced diff DIR`)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    console = Console(width=None if sys.stdout.isatty() else 120)
    try:
        soak = asyncio.run(
            until_signalled(
                run_soak(
                    args.engine,
                    agents=args.agents,
                    duration_s=args.duration,
                    interval_s=args.interval,
                    every_s=args.every,
                    warmup_s=args.warmup,
                    postgres_url=args.postgres_url,
                    console=console,
                    tracemalloc_dir=args.tracemalloc,
                    server_log=args.server_log,
                )
            )
        )
    finally:
        end_descendants()  # SIGTERM and Ctrl-C stop it as its end would
    print_soak(soak, console)


if __name__ == "__main__":
    main()
