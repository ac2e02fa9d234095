"""The OTLP receiver's own time on an export of 100 log records: the whole export through the
app, less the time its own calls of decoding and of storing (the records, the rollups, the
seals, the joins, and the commit) took inside it.

Decoding is the protobuf parse and the reading of the values it holds into Python (every
resource's and record's attributes): protobuf's parser keeps the values in C and makes Python
objects only as they are read, where a JSON body has them all made by ``json.loads`` inside
the parse. That reading is timed apart on the same body (``values``) rather than inside the
mappers, whose calls are too many and too short to wrap without skewing what is left. The
garbage collector is set as ``serve`` sets it, for the same reason.

This runs the app inside the harness's process on the engine's database, called straight
through ASGI (no HTTP client, no socket). The mapping, the largest part of the rest, is also
timed on its own (with the token's lookup). Medians over fresh exports, of CPU time (the
verdict: what the receiver costs, whatever else the shared machine runs) and of wall time
(which on a busy machine adds waiting for a core around each database round trip).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.domain.tenancy.tokens import checked_hash, look_up
from agent_activity.gc_policy import freeze_startup_objects
from agent_activity.otlp import routes
from agent_activity.otlp.decode import PROTOBUF, parse
from agent_activity.otlp.items import Batch, Privacy
from agent_activity.otlp.logs import map_logs
from agent_activity.otlp.projects import ResourceScope
from agent_activity.otlp.values import attributes_of
from agent_activity.runtime import Runtime
from bench.context import BENCH_RATE_LIMIT, Context
from bench.otlpdata import OTLP_LOGS, log_export
from bench.report import Row, verdict

SCENARIO = "OTLP export of {records} records: receiver's own time"
TARGET = "≤ 2 ms beyond decode + store"
RECORDS = 100
WARMUP = 10


async def call(app: Any, path: str, body: bytes, headers: dict[str, str]) -> int:
    """One POST straight into the ASGI app; its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"content-length", str(len(body)).encode()), (b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


async def map_export(runtime: Runtime, token: str, body: bytes, now: datetime) -> tuple[Any, Batch]:
    """The org and the items the receiver makes of ``body`` (decoded here), without storing."""
    async with runtime.read_sessionmaker() as session:
        principal = await look_up(session, checked_hash(token), now)
        settings = runtime.settings
        privacy = Privacy(
            settings.otlp_store_content,
            settings.otlp_store_prompts,
            settings.otlp_content_max_chars,
        )
        scope = ResourceScope(session, runtime.projects, principal, None, now, privacy)
        message = parse("logs", PROTOBUF, body)
        assert isinstance(message, ExportLogsServiceRequest)
        batch = await map_logs(message, scope)
    return principal.org_id, batch


def read_values(body: bytes) -> int:
    """Decode ``body`` and read every attribute it holds into Python, as the mappers do; the
    number of attribute sets read."""
    message = parse("logs", PROTOBUF, body)
    assert isinstance(message, ExportLogsServiceRequest)
    read = 0
    for resource_logs in message.resource_logs:
        attributes_of(resource_logs.resource.attributes)
        read += 1
        for scope_logs in resource_logs.scope_logs:
            for log in scope_logs.log_records:
                attributes_of(log.attributes)
                read += 1
    return read


@contextlib.contextmanager
def collector_as_served() -> Iterator[None]:
    """The garbage collector as ``serve`` sets it (gc_policy.py) while the scenario runs, and
    as it was after: otherwise full passes over the harness's own objects (its data, its
    results) land inside the exports and are timed as the receiver's."""
    thresholds = gc.get_threshold()
    freeze_startup_objects()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


class Clock:
    """Wall and CPU time of one step: the process's CPU (all its threads, so also aiosqlite's
    worker) is what the step costs; the wall time adds whatever else the shared machine runs."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


class StepTimes:
    """While active, times the receiver's own calls of decoding (``parse``) and of storing and
    committing (``write_mapped``) inside each export, by wrapping the two names its routes module
    calls them by; ``take`` returns and resets the (wall, CPU) seconds they took."""

    def __init__(self) -> None:
        self.spent = {"decode": (0.0, 0.0), "store": (0.0, 0.0)}
        self.names = vars(routes)  # the module's namespace, where its calls look the names up
        self.originals = (self.names["parse"], self.names["write_mapped"])

    def add(self, step: str, clock: Clock) -> None:
        wall, cpu = clock.read()
        spent_wall, spent_cpu = self.spent[step]
        self.spent[step] = (spent_wall + wall, spent_cpu + cpu)

    def __enter__(self) -> StepTimes:
        parse_export, store = self.originals

        def timed_parse(*args: Any) -> Any:
            clock = Clock()
            try:
                return parse_export(*args)
            finally:
                self.add("decode", clock)

        async def timed_store(*args: Any) -> Any:
            clock = Clock()
            try:
                return await store(*args)
            finally:
                self.add("store", clock)

        self.names.update(parse=timed_parse, write_mapped=timed_store)
        return self

    def __exit__(self, *exc: object) -> None:
        self.names.update(zip(("parse", "write_mapped"), self.originals, strict=True))

    def take(self) -> dict[str, tuple[float, float]]:
        spent, self.spent = self.spent, {"decode": (0.0, 0.0), "store": (0.0, 0.0)}
        return spent


async def sample(
    app: Any, runtime: Runtime, token: str, rng: random.Random, steps: StepTimes, at: datetime
) -> dict[str, tuple[float, float]]:
    """One export's (wall, CPU) seconds: whole, its decoding and storing, and apart from it the
    mapping of another like it (with the token's lookup, as the route does)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": PROTOBUF}
    body = log_export(rng, RECORDS, at)
    steps.take()
    clock = Clock()
    assert await call(app, OTLP_LOGS, body, headers) == 200
    whole = clock.read()
    inside = steps.take()
    decode_wall, decode_cpu = inside["decode"]
    store_wall, store_cpu = inside["store"]
    clock = Clock()
    read_values(body)
    values_wall, values_cpu = clock.read()
    # The parse inside read_values was timed inside the export already.
    values = (max(values_wall - decode_wall, 0.0), max(values_cpu - decode_cpu, 0.0))
    own = (
        whole[0] - decode_wall - values[0] - store_wall,
        whole[1] - decode_cpu - values[1] - store_cpu,
    )
    other = log_export(rng, RECORDS, at)  # a new session: its records are new facts
    clock = Clock()
    await map_export(runtime, token, other, runtime.now())
    mapped = clock.read()
    mapped = (mapped[0] - decode_wall, mapped[1] - decode_cpu)
    return {"whole": whole, "own": own, "map": mapped, "values": values, **inside}


async def export_overhead(database_url: str, token: str, samples: int) -> dict[str, float]:
    """Median milliseconds of each part over ``samples`` exports, after a warm-up: ``NAME_ms``
    of wall time and ``NAME_cpu_ms`` of CPU time; ``own`` is the whole less the decoding (the
    parse, ``decode``, and the reading of its values, ``values``) and the storing."""
    settings = Settings(
        database_url=database_url,
        rate_limit_per_minute=BENCH_RATE_LIMIT,
        request_log_enabled=False,
        log_level="warning",
    )
    app = create_app(settings)
    rng = random.Random(77)
    at = datetime.now(UTC) - timedelta(minutes=10)
    times: dict[str, list[float]] = {}
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        with collector_as_served(), StepTimes() as steps:
            for index in range(WARMUP + samples):
                parts = await sample(app, runtime, token, rng, steps, at)
                if index < WARMUP:
                    continue
                for name, (wall, cpu) in parts.items():
                    times.setdefault(f"{name}_ms", []).append(wall)
                    times.setdefault(f"{name}_cpu_ms", []).append(cpu)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


async def measure_otlp_overhead(ctx: Context, data: str) -> None:
    samples = max(20, ctx.sizes.latency_samples // 3)
    ms = await export_overhead(ctx.database.url, ctx.world.token, samples)
    ctx.rows.append(
        Row(
            ctx.engine,
            data,
            SCENARIO.format(records=RECORDS),
            f"CPU {ms['own_cpu_ms']:.2f} ms (mapping {ms['map_cpu_ms']:.2f}); "
            f"wall {ms['own_ms']:.2f} ms",
            f"CPU: whole {ms['whole_cpu_ms']:.2f}, decode {ms['decode_cpu_ms']:.2f} "
            f"+ values {ms['values_cpu_ms']:.2f}, store {ms['store_cpu_ms']:.2f} ms; "
            f"wall: whole {ms['whole_ms']:.2f}, "
            f"store {ms['store_ms']:.2f} ms",
            "",
            TARGET,
            verdict(ms["own_cpu_ms"] <= 2.0),
            ms,
        )
    )
