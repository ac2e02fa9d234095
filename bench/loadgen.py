"""The load generator: its own process, so its CPU is not the server's or the harness's.

`python -m bench.loadgen` reads one job (JSON) on stdin and writes its measurements (JSON) on
stdout. `run_job` is how the harness starts one. Every latency is the wall time of one
request, from sending it to having read the whole answer, over keep-alive connections.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from bench.http1 import HTTPError, Pool, Response, prepare

Result = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent  # where `python -m bench.loadgen` finds bench


class Recorder:
    """Latencies, status counts and the first few failures of one job."""

    def __init__(self) -> None:
        self.latencies_ms: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.errors: list[str] = []

    def add(self, started: float, status: int | str, failure: str | None = None) -> None:
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        self.statuses[str(status)] += 1
        if failure is not None and len(self.errors) < 5:
            self.errors.append(failure[:300])

    def result(self, elapsed_s: float, **extra: Any) -> Result:
        return {
            "latencies_ms": self.latencies_ms,
            "statuses": dict(self.statuses),
            "errors": self.errors,
            "elapsed_s": elapsed_s,
            **extra,
        }


def prepared(host: str, spec: dict[str, Any]) -> bytes:
    """A request spec (method, path, params, headers, content) as the bytes sent for it."""
    return prepare(
        host,
        spec.get("method", "GET"),
        spec["path"],
        params=spec.get("params"),
        headers=spec.get("headers"),
        content=spec.get("content"),
    )


class Sender(Protocol):
    async def send(self, request: bytes) -> Response: ...


async def send(http: Sender, request: bytes, recorder: Recorder | None) -> None:
    """Send a prepared request on a connection or a pool; its latency and status go to
    ``recorder``."""
    started = time.perf_counter()
    try:
        response = await http.send(request)
    except HTTPError as error:
        if recorder is not None:
            recorder.add(started, "error", str(error))
        return
    if recorder is not None:
        failure = None if response.is_success else f"{response.status_code} {response.text}"
        recorder.add(started, response.status_code, failure)


async def drive(
    concurrency: int,
    work: Callable[[int], Awaitable[None]],
    count: int | None = None,
    duration_s: float | None = None,
) -> float:
    """Run ``work(i)`` from ``concurrency`` workers, ``count`` times or for ``duration_s``."""
    next_index = 0
    deadline = time.perf_counter() + duration_s if duration_s is not None else None

    async def worker() -> None:
        nonlocal next_index
        while True:
            if count is not None and next_index >= count:
                return
            if deadline is not None and time.perf_counter() >= deadline:
                return
            index = next_index
            next_index += 1
            await work(index)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def requests_phase(base_url: str, phase: dict[str, Any]) -> Result:
    """Cycle through ``requests``: ``count`` of them, or closed-loop for ``duration_s``."""
    specs: list[dict[str, Any]] = phase["requests"]
    for spec in specs:
        if "json" in spec:
            spec["content"] = json.dumps(spec.pop("json")).encode()
            spec.setdefault("headers", {})["Content-Type"] = "application/json"
    concurrency = int(phase.get("concurrency", 1))
    recorder = Recorder()
    async with Pool(base_url, concurrency) as pool:
        requests = [prepared(pool.host, spec) for spec in specs]
        for index in range(int(phase.get("warmup", 0))):
            await send(pool, requests[index % len(requests)], None)

        async def work(index: int) -> None:
            await send(pool, requests[index % len(requests)], recorder)

        elapsed = await drive(concurrency, work, phase.get("count"), phase.get("duration_s"))
    return recorder.result(elapsed)


async def requests_job(job: dict[str, Any]) -> Result:
    """Each of ``phases`` in turn, from one process (starting one costs about a second); a phase
    may name its own ``base_url`` and a ``pause_s`` before it."""
    results = []
    for phase in job["phases"]:
        await asyncio.sleep(float(phase.get("pause_s", 0)))
        results.append(await requests_phase(phase.get("base_url", job["base_url"]), phase))
    return {"phases": results}


async def ingest_job(job: dict[str, Any]) -> Result:
    """POST generated batches to the ingest endpoint; the bodies are built before the clock."""
    # Imported here: the models and the demo take a second to import, which other jobs skip.
    from bench import datagen
    from bench.world import World, demo_world

    world = demo_world(World.from_json(job["world"]))
    now = datetime.fromisoformat(job["now"])
    records = datagen.ingest_records(world, now, int(job["count"]), seed=int(job["seed"]))
    size = int(job["batch"])
    bodies = [
        json.dumps({"activities": records[start : start + size]}).encode()
        for start in range(0, len(records), size)
    ]
    headers = {**job["headers"], "Content-Type": "application/json"}
    recorder = Recorder()
    concurrency = int(job["concurrency"])
    async with Pool(job["base_url"], concurrency) as pool:
        post = {"method": "POST", "path": job["path"], "headers": headers}
        requests = [prepared(pool.host, {**post, "content": body}) for body in bodies]

        async def work(index: int) -> None:
            await send(pool, requests[index], recorder)

        elapsed = await drive(concurrency, work, count=len(bodies))
    return recorder.result(elapsed, records=len(records))


async def main() -> None:
    job = json.loads(sys.stdin.read())
    kind = job["kind"]
    if kind == "requests":
        result = await requests_job(job)
    elif kind == "ingest":
        result = await ingest_job(job)
    elif kind == "mcp":
        from bench.mcpload import mcp_job

        result = await mcp_job(job)
    elif kind == "otlp":
        from bench.otlpload import otlp_job

        result = await otlp_job(job)
    elif kind == "sdk-spans":
        from bench.otlpload import sdk_spans_job

        result = sdk_spans_job(job)
    elif kind == "burst":
        from bench.burstload import burst_job

        result = await burst_job(job)
    else:
        raise SystemExit(f"unknown job kind {kind!r}")
    sys.stdout.write(json.dumps(result))


async def run_job(job: dict[str, Any]) -> Result:
    """Run ``job`` in a new load-generator process and return what it measured."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.loadgen",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        stdout, stderr = await process.communicate(json.dumps(job).encode())
    finally:
        if process.returncode is None:  # the run was stopped meanwhile
            process.kill()
            await process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{stderr.decode(errors='replace')[-3000:]}")
    result: Result = json.loads(stdout)
    return result


if __name__ == "__main__":
    asyncio.run(main())
