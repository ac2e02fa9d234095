"""The OTLP receiver's own time on an export of 100 log records: the whole export through the
app, less decoding it and storing its records (with the commit), each timed on its own.

This runs the app inside the harness's process on the engine's database, called straight
through ASGI (no HTTP client, no socket), so the difference is the receiver's own work: the
token, the mapping, the response. The mapping, its largest part, is also timed on its own;
the rest of the difference is within the noise of a commit. Medians over fresh exports.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.domain.telemetry.store import store_telemetry
from agent_activity.domain.tenancy.tokens import checked_hash, look_up
from agent_activity.otlp.decode import PROTOBUF, parse
from agent_activity.otlp.items import Batch, Privacy
from agent_activity.otlp.logs import map_logs
from agent_activity.otlp.projects import ResourceScope
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


async def sample(
    app: Any, runtime: Runtime, token: str, rng: random.Random, at: datetime
) -> dict[str, float]:
    """One export's times, in seconds: whole, decode, map (with the token's lookup), store."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": PROTOBUF}
    body = log_export(rng, RECORDS, at)
    started = time.perf_counter()
    assert await call(app, OTLP_LOGS, body, headers) == 200
    whole = time.perf_counter() - started
    started = time.perf_counter()
    parse("logs", PROTOBUF, body)
    decode = time.perf_counter() - started
    other = log_export(rng, RECORDS, at)  # a new session: its records are new facts
    started = time.perf_counter()
    org_id, batch = await map_export(runtime, token, other, runtime.now())
    mapped = time.perf_counter() - started - decode
    started = time.perf_counter()
    async with runtime.write_gate, runtime.sessionmaker() as session:
        await store_telemetry(session, org_id, batch.items, runtime.now())
        await session.commit()
    store = time.perf_counter() - started
    return {"whole": whole, "decode": decode, "map": mapped, "store": store}


async def export_overhead(database_url: str, token: str, samples: int) -> dict[str, float]:
    """Median milliseconds of each part over ``samples`` exports, after a warm-up."""
    settings = Settings(
        database_url=database_url,
        rate_limit_per_minute=BENCH_RATE_LIMIT,
        request_log_enabled=False,
        log_level="warning",
    )
    app = create_app(settings)
    rng = random.Random(77)
    at = datetime.now(UTC) - timedelta(minutes=10)
    times: dict[str, list[float]] = {"whole": [], "decode": [], "map": [], "store": []}
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        for index in range(WARMUP + samples):
            parts = await sample(app, runtime, token, rng, at)
            if index >= WARMUP:
                for name, value in parts.items():
                    times[name].append(value)
    ms = {f"{name}_ms": statistics.median(values) * 1000 for name, values in times.items()}
    ms["overhead_ms"] = ms["whole_ms"] - ms["decode_ms"] - ms["store_ms"]
    return ms


async def measure_otlp_overhead(ctx: Context, data: str) -> None:
    samples = max(20, ctx.sizes.latency_samples // 3)
    ms = await export_overhead(ctx.database.url, ctx.world.token, samples)
    ctx.rows.append(
        Row(
            ctx.engine,
            data,
            SCENARIO.format(records=RECORDS),
            f"{ms['overhead_ms']:.2f} ms (of which mapping {ms['map_ms']:.2f} ms)",
            f"whole {ms['whole_ms']:.2f}, decode {ms['decode_ms']:.2f}, "
            f"store {ms['store_ms']:.2f} ms",
            "",
            TARGET,
            verdict(ms["overhead_ms"] <= 2.0),
            ms,
        )
    )
