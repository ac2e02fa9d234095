"""Attribute values of every protobuf kind, and empty strings, as the mappers read them: a typed
value is its Python value, an empty string is no value, and what an agent reports about its
user on the record does not blank what its resource said."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.otlp.helpers import telemetry_records

PROTOBUF = {"Content-Type": "application/x-protobuf"}


def pair(key: str, **value: Any) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(**value))


async def test_typed_and_empty_values_of_a_log_record(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession, clock: FakeClock
) -> None:
    request = ExportLogsServiceRequest()
    resource = request.resource_logs.add()
    resource.resource.attributes.extend(
        [
            pair("service.name", string_value="claude-code"),
            pair("user.email", string_value="dev@example.com"),
            pair("host.tags", array_value={"values": [{"string_value": "a"}, {"int_value": 2}]}),
        ]
    )
    log = resource.scope_logs.add().log_records.add()
    log.time_unix_nano = int((clock() - timedelta(minutes=1)).timestamp() * 1e9)
    log.body.string_value = "claude_code.tool_result"
    log.attributes.extend(
        [
            pair("session.id", string_value="s-typed"),
            pair("event.sequence", int_value=4),
            pair("tool_name", string_value="Bash"),
            pair("tool_use_id", string_value="toolu_typed"),
            pair("success", bool_value=False),
            pair("duration_ms", double_value=250.5),
            pair("error_type", string_value=""),
            pair("user.email", string_value=""),
            pair("user.id", string_value="u-1"),
            pair("unset", string_value="x"),
        ]
    )
    log.attributes[-1].value.Clear()  # a key with no value at all
    response = await client.post(
        "/otlp/v1/logs",
        content=request.SerializeToString(),
        headers={**PROTOBUF, **tenant.headers},
    )
    assert response.status_code == 200, response.text
    [record] = await telemetry_records(db, tenant.org_id)
    assert record.external_id == "otlp:cc:s-typed:4"
    assert (record.action, record.resource_id, record.success) == ("tool_call", "Bash", False)
    assert record.duration_ms == 250.5
    assert record.error_code is None  # an empty error_type is no error type
    metadata = record.record_metadata or {}
    assert metadata["reported_user"] == {"user.email": "dev@example.com", "user.id": "u-1"}
    assert metadata["tool_use_id"] == "toolu_typed"


async def test_typed_and_empty_values_of_a_span(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession, clock: FakeClock
) -> None:
    request = ExportTraceServiceRequest()
    resource = request.resource_spans.add()
    resource.resource.attributes.append(pair("service.name", string_value="my-agents"))
    span = resource.scope_spans.add().spans.add()
    span.trace_id = bytes(range(16))
    span.span_id = bytes(range(8))
    span.name = "chat"
    span.start_time_unix_nano = int((clock() - timedelta(minutes=1)).timestamp() * 1e9)
    span.end_time_unix_nano = span.start_time_unix_nano + 3_000_000
    span.attributes.extend(
        [
            pair("gen_ai.operation.name", string_value="chat"),
            pair("gen_ai.response.model", string_value=""),  # blank: the older name is read
            pair("gen_ai.request.model", string_value="gpt-9"),
            pair("gen_ai.usage.input_tokens", int_value=1000),
            pair("gen_ai.usage.output_tokens", string_value="40"),
            pair("gen_ai.usage.cache_read.input_tokens", int_value=600),
            pair("gen_ai.usage.cost", double_value=0.25),
        ]
    )
    response = await client.post(
        "/otlp/v1/traces",
        content=request.SerializeToString(),
        headers={**PROTOBUF, **tenant.headers},
    )
    assert response.status_code == 200, response.text
    [record] = await telemetry_records(db, tenant.org_id)
    assert record.external_id == f"otlp:span:{bytes(range(16)).hex()}:{bytes(range(8)).hex()}"
    assert (record.action, record.resource_id) == ("model_request", "gpt-9")
    assert record.token_usage == {
        "input_tokens": 400,
        "output_tokens": 40,
        "cache_read_tokens": 600,
        "cache_creation_tokens": 0,
        "total_tokens": 1040,
    }
    assert record.duration_ms == 3.0
    assert (record.record_metadata or {})["cost_usd"] == 0.25
