"""What every scenario works with on one engine, and the helpers they share."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bench.config import Sizes
from bench.loadgen import Result, run_job
from bench.report import Row
from bench.server import Server
from bench.stats import Latency
from bench.storage import Database, RawStore
from bench.world import World

BENCH_RATE_LIMIT = 1_000_000_000  # requests per token per minute


@dataclass
class Context:
    engine: str
    sizes: Sizes
    world: World
    database: Database
    store: RawStore
    now: datetime  # "now" of the generated data
    workdir: Path
    server: Server | None = None
    profile_dir: Path | None = None  # --profile: py-spy recordings of the server go here
    only: frozenset[str] = frozenset()  # --only: the scenarios to run (empty: all)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def new_server(self, *, request_log: bool = True, rate_limit: bool = True) -> Server:
        """A server process on this database, configured as the report says (not started)."""
        env = {
            "AGENT_ACTIVITY_DATABASE_URL": self.database.url,
            "AGENT_ACTIVITY_REQUEST_LOG_ENABLED": "true" if request_log else "false",
            # The limit is on, counted as by default (no Redis), but too high to refuse the load;
            # 0 turns it off (only to measure its cost).
            "AGENT_ACTIVITY_RATE_LIMIT_PER_MINUTE": str(BENCH_RATE_LIMIT if rate_limit else 0),
            "AGENT_ACTIVITY_LOG_LEVEL": "warning",
            "AGENT_ACTIVITY_WORKERS": "1",
        }
        return Server(env, self.workdir / "server.log", cwd=self.workdir)

    @property
    def base_url(self) -> str:
        assert self.server is not None, "no server running"
        return self.server.base_url

    async def probe(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """One request from the harness itself (set-up and availability checks, not timed)."""
        async with self.http() as http:
            return await http.request(method, path, headers=headers, **kwargs)

    def http(self) -> httpx.AsyncClient:
        """A client for the harness's own requests, as the owner of the org."""
        return httpx.AsyncClient(base_url=self.base_url, headers=self.world.headers, timeout=120)

    async def latency(self, *phases: list[dict[str, Any]], count: int) -> list[Result]:
        """Per phase, ``count`` of its requests (cycled), one at a time, after a warm-up; all
        phases from one load-generator process."""
        for requests in phases:
            for spec in requests:
                spec.setdefault("headers", self.world.headers)
        job = {
            "kind": "requests",
            "base_url": self.base_url,
            "phases": [
                {
                    "requests": requests,
                    "count": count,
                    "concurrency": 1,
                    "warmup": min(50, max(5, count // 10)),
                }
                for requests in phases
            ],
        }
        results: list[Result] = (await run_job(job))["phases"]
        for requests, result in zip(phases, results, strict=True):
            self.check_failures(result, requests[0]["path"])
        return results

    def check_failures(self, result: Result, what: str) -> None:
        failed = {code: n for code, n in result["statuses"].items() if not code.startswith("2")}
        if failed:
            self.notes.append(
                f"{self.engine}: {what}: responses {failed}; first: {result['errors'][:1]}"
            )


async def raw_latency(call: Callable[[], Awaitable[Any]], count: int) -> Latency:
    """Time ``call`` (one raw query) ``count`` times after a warm-up."""
    for _ in range(min(50, max(5, count // 10))):
        await call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return Latency.of(samples)


def reason(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}"
