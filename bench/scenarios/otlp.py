"""OTLP receiver: records/s stored through ``/otlp/v1/logs`` next to the ingest API and the raw
write of the same rows, and the receiver's own time on an export of 100 records.

Run on its own (``uv run python -m bench.scenarios.otlp [--engine sqlite|postgresql]
[--records N]``): one fresh database migrated by the project's migrations, one app, and the
three ways of storing alternating in rounds, so they see the same table sizes and machine. Both
HTTP paths are served in this process through the same ASGI stack (called directly, no HTTP
client), so their ratio is what each endpoint's own work costs; bodies are built before the
clock. The overhead measurement times decoding, and storing with its commit, on their own, and
the whole export through the app; the difference is the receiver's own work (auth, mapping,
response). Mapping, its largest part, is also timed on its own (with a token lookup), since the
difference is within the noise of a commit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from agent_activity.app import create_app
from agent_activity.bootstrap import init_org
from agent_activity.config import Settings
from agent_activity.db.migrate import upgrade
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.telemetry.store import store_telemetry
from agent_activity.domain.tenancy.tokens import checked_hash, look_up
from agent_activity.otlp.decode import PROTOBUF, parse
from agent_activity.otlp.items import Batch, Privacy
from agent_activity.otlp.logs import map_logs
from agent_activity.otlp.projects import ResourceScope
from agent_activity.runtime import Runtime

BATCH = 1000
ROUNDS = 3
OVERHEAD_RECORDS = 100
OVERHEAD_SAMPLES = 60


def export_body(session: str, first: int, count: int, at: datetime) -> bytes:
    """A Claude Code export of ``count`` api_request events (the richest kind: tokens, cost)."""
    request = ExportLogsServiceRequest()
    resource = request.resource_logs.add()
    resource.resource.attributes.extend(
        [text("service.name", "claude-code"), text("service.version", "2.1.328")]
    )
    logs = resource.scope_logs.add()
    for sequence in range(first, first + count):
        log = logs.log_records.add()
        log.time_unix_nano = int((at + timedelta(microseconds=sequence)).timestamp() * 1e9)
        log.body.string_value = "claude_code.api_request"
        log.attributes.extend(
            [
                text("session.id", session),
                text("event.name", "api_request"),
                KeyValue(key="event.sequence", value=AnyValue(int_value=sequence)),
                text("model", "claude-opus-5-5"),
                text("input_tokens", "1200"),
                text("output_tokens", "35"),
                text("cache_read_tokens", "800"),
                text("cache_creation_tokens", "100"),
                KeyValue(key="cost_usd", value=AnyValue(double_value=0.00616)),
                text("duration_ms", "39"),
            ]
        )
    return request.SerializeToString()


def text(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def ingest_body(first: int, count: int, at: datetime) -> bytes:
    """The same facts as an ingest batch (file 004's shape)."""
    activities = [
        {
            "id": f"bench-{first + i}",
            "timestamp": (at + timedelta(microseconds=first + i)).isoformat(),
            "action": "model_request",
            "resource_type": "model",
            "resource_id": "claude-opus-5-5",
            "duration_ms": 39,
            "token_usage": {
                "input_tokens": 1200,
                "output_tokens": 35,
                "cache_read_tokens": 800,
                "cache_creation_tokens": 100,
            },
            "metadata": {"cost_usd": 0.00616, "agent": "claude_code"},
        }
        for i in range(count)
    ]
    return json.dumps({"activities": activities}).encode()


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


async def timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    await run()
    return time.perf_counter() - started


async def measure(settings: Settings, records: int) -> dict[str, float]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        async with runtime.sessionmaker() as session, session.begin():
            org = await init_org(
                session,
                org_name="Bench",
                workspace_name="Main",
                project_name="Board",
                email="bench@bench.test",
                user_name="Bench",
            )
        bearer = {"Authorization": f"Bearer {org.token}"}
        now = datetime.now(UTC) - timedelta(minutes=30)
        per_round = max(BATCH, records // ROUNDS // BATCH * BATCH)
        seconds = {"raw": 0.0, "ingest": 0.0, "otlp": 0.0}
        offset = 0
        for round_index in range(ROUNDS):
            session_id = f"bench-{round_index}-{uuid.uuid4()}"
            otlp = [export_body(session_id, i, BATCH, now) for i in range(0, per_round, BATCH)]
            ingest = [ingest_body(offset + i, BATCH, now) for i in range(0, per_round, BATCH)]
            raw_rows = await mapped_rows(runtime, org.token, otlp, now)

            async def write_raw(raw_rows: list[list[dict[str, Any]]] = raw_rows) -> None:
                for chunk in raw_rows:
                    async with runtime.sessionmaker() as session:
                        await write_activity_records(session, chunk)
                        await session.commit()

            async def post_all(path: str, bodies: list[bytes], kind: str) -> None:
                headers = {**bearer, "Content-Type": kind}
                for body in bodies:
                    status = await call(app, path, body, headers)
                    assert status in (200, 201), status

            seconds["raw"] += await timed(write_raw)
            path = f"/v1/orgs/{org.org_id}/activity"
            seconds["ingest"] += await timed(partial(post_all, path, ingest, "application/json"))
            seconds["otlp"] += await timed(partial(post_all, "/otlp/v1/logs", otlp, PROTOBUF))
            offset += per_round
        total = ROUNDS * per_round
        rates = {f"{name}_per_s": total / s for name, s in seconds.items()}
        rates |= await overhead(app, runtime, org.token, bearer, now)
        return rates


async def mapped_rows(
    runtime: Runtime, token: str, bodies: list[bytes], now: datetime
) -> list[list[dict[str, Any]]]:
    """The rows the receiver stores for ``bodies``, made without storing them (a fresh session
    id, so the raw side writes rows of its own)."""
    out = []
    for body in bodies:
        org_id, batch = await map_export(runtime, token, body, now)
        fresh = f"raw-{uuid.uuid4()}"
        out.append(
            [
                {**i.record, "org_id": org_id, "external_id": f"{fresh}:{n}"}
                for n, i in enumerate(batch.items)
            ]
        )
    return out


async def map_export(
    runtime: Runtime, token: str, body: bytes, now: datetime
) -> tuple[uuid.UUID, Batch]:
    """The org and the items the receiver makes of ``body``, without storing them."""
    async with runtime.read_sessionmaker() as session:
        principal = await look_up(session, checked_hash(token), now)
        privacy = Privacy(True, False, 2000)
        scope = ResourceScope(session, runtime.projects, principal, None, now, privacy)
        message = parse("logs", PROTOBUF, body)
        assert isinstance(message, ExportLogsServiceRequest)
        batch = await map_logs(message, scope)
    return principal.org_id, batch


async def overhead(
    app: Any, runtime: Runtime, token: str, bearer: dict[str, str], now: datetime
) -> dict[str, float]:
    """Medians over fresh exports of 100 records: the whole export, decoding, storing."""
    whole: list[float] = []
    decoding: list[float] = []
    storing: list[float] = []
    mapping: list[float] = []
    headers = {**bearer, "Content-Type": PROTOBUF}
    for sample in range(OVERHEAD_SAMPLES):
        session_id = f"overhead-{sample}-{uuid.uuid4()}"
        body = export_body(session_id, 0, OVERHEAD_RECORDS, now)
        started = time.perf_counter()
        assert await call(app, "/otlp/v1/logs", body, headers) == 200
        whole.append(time.perf_counter() - started)
        started = time.perf_counter()
        parse("logs", PROTOBUF, body)
        decoding.append(time.perf_counter() - started)
        other = export_body(f"{session_id}-stored", 0, OVERHEAD_RECORDS, now)
        started = time.perf_counter()
        org, batch = await map_export(runtime, token, other, now)
        mapping.append(time.perf_counter() - started - decoding[-1])
        started = time.perf_counter()
        async with runtime.sessionmaker() as session:
            await store_telemetry(session, org, batch.items, now)
            await session.commit()
        storing.append(time.perf_counter() - started)
    samples = {"whole": whole, "decode": decoding, "store": storing, "map": mapping}
    ms = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    return {
        "export_100_ms": ms["whole"],
        "decode_100_ms": ms["decode"],
        "store_100_ms": ms["store"],
        "map_100_ms": ms["map"],
        "overhead_100_ms": ms["whole"] - ms["decode"] - ms["store"],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--records", type=int, default=9000)
    args = parser.parse_args()
    os.environ.setdefault("AGENT_ACTIVITY_REQUEST_LOG_PROCESS", "false")
    with tempfile.TemporaryDirectory() as directory:
        if args.engine == "sqlite":
            url = f"sqlite+aiosqlite:///{directory}/bench.db"
        else:
            url = await fresh_postgres()
        settings = Settings(database_url=url, rate_limit_per_minute=0, log_level="warning")
        from agent_activity.db.engine import create_engine

        engine = create_engine(settings)
        await upgrade(engine)
        await engine.dispose()
        figures = await measure(settings, args.records)
    ratio = figures["otlp_per_s"] / figures["ingest_per_s"]
    print(f"engine {args.engine}, {args.records:,} records per path, batches of {BATCH:,}")
    for name in ("raw_per_s", "ingest_per_s", "otlp_per_s"):
        print(f"  {name:<16} {figures[name]:>10,.0f} records/s")
    print(f"  otlp / ingest    {ratio:.2f} (target >= 0.7)")
    print(f"  otlp / raw       {figures['otlp_per_s'] / figures['raw_per_s']:.2f}")
    for name in ("export_100_ms", "decode_100_ms", "store_100_ms", "map_100_ms", "overhead_100_ms"):
        print(f"  {name:<16} {figures[name]:>8.2f} ms")


async def fresh_postgres() -> str:
    import asyncpg

    name = f"aa_otlp_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


if __name__ == "__main__":
    asyncio.run(main())
