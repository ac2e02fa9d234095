"""The OTLP pieces of the harness: the export bodies it sends, the SDK exporter's job, the
scenarios against a service without a receiver, Phoenix when it cannot be installed, and
``--only``."""

from __future__ import annotations

import asyncio
import gc
import random
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench.__main__ import parse
from bench.config import QUICK
from bench.context import Context
from bench.otlpdata import OTLP_LOGS, OTLP_TRACES, exports, log_export
from bench.otlpload import sdk_spans_job
from bench.runner import guarded
from bench.scenarios.otlp import measure_otlp
from bench.scenarios.otlp_overhead import collector_as_served, read_values
from bench.scenarios.phoenix import measure_phoenix
from bench.server import Server
from bench.storage import Database, RawStore
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.gc_policy import FULL_COLLECTION_EVERY, THRESHOLD_HONOURED
from bench import phoenix
from tests.bench.test_harness_parts import empty_service, world
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.live_server import serve
from tests.otlp.helpers import telemetry_records

__all__ = ["empty_service"]  # a fixture, used by name
PROTOBUF = {"Content-Type": "application/x-protobuf"}


async def test_bench_exports_are_stored_one_record_per_item_and_once(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession, clock: FakeClock
) -> None:
    at = clock() - timedelta(minutes=10)
    headers = {**tenant.headers, **PROTOBUF}
    for _ in range(2):  # the same bodies again: stable keys, nothing stored twice
        for path, signal, answer in (
            (OTLP_LOGS, "logs", ExportLogsServiceResponse()),
            (OTLP_TRACES, "traces", ExportTraceServiceResponse()),
        ):
            for body in exports(signal, 25, 10, at, seed=3):
                response = await client.post(path, content=body, headers=headers)
                assert response.status_code == 200, response.text
                answer.ParseFromString(response.content)
                assert not answer.HasField("partial_success"), answer
    records = await telemetry_records(db, tenant.org_id)
    assert len(records) == 50
    assert len({r.external_id for r in records}) == 50
    by_agent = Counter(((r.record_metadata or {}).get("agent"), r.action) for r in records)
    # Two model requests to one tool call in each export (of 10, 10 and 5: 18 and 7).
    assert by_agent == {
        ("claude_code", "model_request"): 18,
        ("claude_code", "tool_call"): 7,
        ("bench-agents", "model_request"): 18,
        ("bench-agents", "tool_call"): 7,
    }
    chats = [r for r in records if r.action == "model_request" and r.trace_id]
    assert all(r.token_usage and r.token_usage["total_tokens"] > 0 for r in chats)


async def test_sdk_exporter_job_sends_every_span_to_a_real_server(
    app: object, tenant: Tenant, db: AsyncSession
) -> None:
    async with serve(app) as url:  # type: ignore[arg-type]
        job: dict[str, Any] = {"endpoint": f"{url}/otlp/v1/traces", "headers": tenant.headers}
        job |= {"count": 40, "batch": 16, "seed": 4}
        result = await asyncio.to_thread(sdk_spans_job, job)
    assert (result["spans"], result["failed_exports"]) == (40, 0)
    assert result["started_at"] <= datetime.now(UTC).timestamp()
    records = await telemetry_records(db, tenant.org_id)
    assert len(records) == 40
    assert {(r.record_metadata or {}).get("agent") for r in records} == {"bench-agents"}


def context(tmp_path: Path, base_url: str) -> Context:
    store = RawStore("sqlite")  # every method raises: nothing may be measured
    database = Database("sqlite", "sqlite+aiosqlite:///unused.db", "unused.db")
    sizes = replace(QUICK, phoenix_spans=100)
    ctx = Context("sqlite", sizes, world(), database, store, datetime.now(UTC), tmp_path)
    ctx.server = Server({}, tmp_path / "log", tmp_path)
    ctx.server.base_url = base_url
    return ctx


async def test_otlp_rates_without_a_receiver_are_not_available(
    empty_service: str, tmp_path: Path
) -> None:
    ctx = context(tmp_path, empty_service)
    await measure_otlp(ctx, "100 records")
    assert [r.scenario.split(" (")[0] for r in ctx.rows] == ["OTLP log records/s", "OTLP spans/s"]
    assert {(r.measured, r.result) for r in ctx.rows} == {("not available (HTTP 404)", "n/a")}


async def test_phoenix_that_cannot_be_installed_is_reported_and_the_run_goes_on(
    empty_service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(phoenix, "VENV", blocker / "venv")  # no venv can be made under a file
    ctx = context(tmp_path, empty_service)
    await measure_phoenix(ctx, "100 records")
    [row] = ctx.rows
    assert row.result == "n/a" and "(not installed)" in row.scenario
    assert row.measured.startswith("not available (creating its venv failed"), row
    assert ctx.notes and "Phoenix could not be installed" in ctx.notes[0]


async def test_only_skips_the_scenarios_it_does_not_name(tmp_path: Path) -> None:
    ctx = context(tmp_path, "http://127.0.0.1:9")
    ctx.only = frozenset({"otlp"})
    ran: list[str] = []

    async def scenario(name: str) -> None:
        ran.append(name)

    await guarded(ctx, "feeds", "100 records", scenario("feeds"))
    await guarded(ctx, "otlp", "100 records", scenario("otlp"))
    assert ran == ["otlp"] and ctx.rows == []


def test_only_names_scenarios() -> None:
    assert parse([]).only == []
    args = parse(["--only", "otlp", "--only", "phoenix", "--engine", "sqlite"])
    assert args.only == ["otlp", "phoenix"]
    with pytest.raises(SystemExit):
        parse(["--only", "nothing"])
    assert uuid.UUID(world().org_id)


def test_overhead_decoding_reads_every_attribute_set_of_the_body() -> None:
    body = log_export(random.Random(1), 7, datetime.now(UTC))
    assert read_values(body) == 1 + 7  # the resource's and each record's


def test_overhead_runs_with_the_served_collector_and_restores_the_harness_one() -> None:
    before = gc.get_threshold()
    with collector_as_served():
        assert gc.get_freeze_count() > 0
        if THRESHOLD_HONOURED:
            assert gc.get_threshold()[2] == FULL_COLLECTION_EVERY
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
