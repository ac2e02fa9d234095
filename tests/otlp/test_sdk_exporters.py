"""The Python OpenTelemetry SDK's own OTLP/HTTP exporters (protobuf, gzip on and off) sending
logs, spans and metrics to a real server on a loopback port.

The Python SDK has no JSON exporter; JSON bodies are covered by the captured JSON exports of
Claude Code and Codex (test_claude_code.py, test_codex.py).
"""

from __future__ import annotations

import asyncio
import time

import pytest
from fastapi import FastAPI
from opentelemetry._logs import LogRecord
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import Counter, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode
from opentelemetry.util.types import AnyValue
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.domain.telemetry.totals import session_totals
from agent_activity.runtime import Runtime
from tests.factories import Tenant
from tests.live_server import serve
from tests.otlp.helpers import telemetry_records


def headers_of(tenant: Tenant) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant.token}", "X-Project-Id": str(tenant.project_id)}


def send_spans(endpoint: str, tenant: Tenant, compression: Compression) -> None:
    exporter = OTLPSpanExporter(
        endpoint=f"{endpoint}/v1/traces", headers=headers_of(tenant), compression=compression
    )
    provider = TracerProvider(resource=Resource.create({"service.name": "my-agents"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("invoke_agent planner") as agent:
        agent.set_attributes(
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "planner",
                "session.id": "s-1",
            }
        )
        with tracer.start_as_current_span("chat gpt-5") as chat:  # current attribute names
            chat.set_attributes(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.request.model": "gpt-5",
                    "gen_ai.usage.input_tokens": 1000,
                    "gen_ai.usage.cache_read.input_tokens": 600,
                    "gen_ai.usage.output_tokens": 50,
                    "session.id": "s-1",
                }
            )
        with tracer.start_as_current_span("chat old") as old:  # older names
            old.set_attributes(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.system": "openai",
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.usage.prompt_tokens": 200,
                    "gen_ai.usage.completion_tokens": 20,
                    "session.id": "s-1",
                }
            )
        with tracer.start_as_current_span("execute_tool search") as tool:
            tool.set_attributes(
                {
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "search",
                    "session.id": "s-1",
                }
            )
            tool.set_status(Status(StatusCode.ERROR, "timed out"))
        with tracer.start_as_current_span("internal work"):
            pass
    provider.shutdown()


def send_logs(endpoint: str, tenant: Tenant, compression: Compression) -> None:
    exporter = OTLPLogExporter(
        endpoint=f"{endpoint}/v1/logs", headers=headers_of(tenant), compression=compression
    )
    provider = LoggerProvider(resource=Resource.create({"service.name": "gemini-cli"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = provider.get_logger("gemini-cli")
    now = time.time_ns()
    for index, (name, success) in enumerate([("read_file", True), ("run_shell_command", False)]):
        attributes: dict[str, AnyValue] = {
            "event.name": "gemini_cli.tool_call",
            "session.id": "g-1",
            "function_name": name,
            "success": success,
            "duration_ms": 12 + index,
            "user.email": "dev@example.com",
        }
        # A microsecond apart (what is stored): records of one instant have no order.
        at = now + index * 1000
        logger.emit(LogRecord(timestamp=at, body="tool call", attributes=attributes))
    response: dict[str, AnyValue] = {
        "event.name": "gemini_cli.api_response",
        "session.id": "g-1",
        "model": "gemini-2.5-pro",
        "input_token_count": 900,
        "cached_content_token_count": 400,
        "output_token_count": 30,
    }
    logger.emit(LogRecord(timestamp=now + 5000, attributes=response))
    provider.shutdown()


def send_metrics(endpoint: str, tenant: Tenant, temporality: AggregationTemporality) -> None:
    exporter = OTLPMetricExporter(
        endpoint=f"{endpoint}/v1/metrics",
        headers=headers_of(tenant),
        preferred_temporality={Counter: temporality},
    )
    reader = InMemoryMetricReader(preferred_temporality={Counter: temporality})
    provider = MeterProvider(
        metric_readers=[reader], resource=Resource.create({"service.name": "x"})
    )
    counter = provider.get_meter("test").create_counter("agent.token.usage", unit="tokens")
    for amount in (100, 250):
        counter.add(amount, {"session.id": "m-1", "type": "input"})
        data = reader.get_metrics_data()
        assert data is not None
        exporter.export(data)
        exporter.export(data)  # a retry of the same points is counted once
    provider.shutdown()


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip])
async def test_the_sdk_exporters_send_spans_and_logs_to_a_real_server(
    app: FastAPI, tenant: Tenant, db: AsyncSession, compression: Compression
) -> None:
    async with serve(app) as url:
        await asyncio.to_thread(send_spans, f"{url}/otlp", tenant, compression)
        await asyncio.to_thread(send_logs, f"{url}/otlp", tenant, compression)
    records = await telemetry_records(db, tenant.org_id)
    spans = {r.resource_id: r for r in records if r.agent_session_id == "s-1"}
    assert set(spans) == {"planner", "gpt-5", "gpt-4o", "search"}  # the internal span is dropped
    assert spans["planner"].action == "agent_invocation"
    # Cache reads are inside the conventions' input tokens: counted once, as cache reads.
    assert spans["gpt-5"].token_usage == {
        "input_tokens": 400,
        "output_tokens": 50,
        "cache_read_tokens": 600,
        "cache_creation_tokens": 0,
        "total_tokens": 1050,
    }
    assert spans["gpt-4o"].token_usage is not None
    assert spans["gpt-4o"].token_usage["input_tokens"] == 200
    assert (spans["search"].action, spans["search"].success) == ("tool_call", False)
    # In a fixed order (tool calls by name, then the model request): the exporter's batch does
    # not promise its log records' times follow their emission order.
    gemini = sorted(
        (r for r in records if r.agent_session_id == "g-1"),
        key=lambda r: (r.action == "model_request", r.resource_id or ""),
    )
    assert [(r.action, r.resource_id, r.success) for r in gemini] == [
        ("tool_call", "read_file", True),
        ("tool_call", "run_shell_command", False),
        ("model_request", "gemini-2.5-pro", True),
    ]
    assert gemini[2].token_usage is not None and gemini[2].token_usage["input_tokens"] == 500
    # What the agent says about its user is unverified detail, never the record's user.
    assert (gemini[0].record_metadata or {})["reported_user"] == {"user.email": "dev@example.com"}
    assert gemini[0].user_id == str(tenant.user_id)


@pytest.mark.parametrize(
    "temporality", [AggregationTemporality.DELTA, AggregationTemporality.CUMULATIVE]
)
async def test_metrics_are_per_session_totals_in_either_temporality(
    app: FastAPI,
    runtime: Runtime,
    tenant: Tenant,
    db: AsyncSession,
    temporality: AggregationTemporality,
) -> None:
    async with serve(app) as url:
        await asyncio.to_thread(send_metrics, f"{url}/otlp", tenant, temporality)
    async with runtime.sessionmaker() as session:
        totals = await session_totals(session, tenant.org_id, "m-1")
    assert totals == {"agent.token.usage": 350.0}
    assert await telemetry_records(db, tenant.org_id) == []  # no record per data point
