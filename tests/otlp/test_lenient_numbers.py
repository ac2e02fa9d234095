"""Numbers agents send as strings: read leniently, and one that is no finite number is left
out of the record rather than failing the export."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.otlp.helpers import telemetry_records

JSON = {"Content-Type": "application/json"}


def api_request(sequence: int, tokens: dict[str, str], at_ns: int) -> dict[str, object]:
    attributes = {"session.id": "s-numbers", "event.sequence": str(sequence), **tokens}
    return {
        "timeUnixNano": str(at_ns),
        "body": {"stringValue": "claude_code.api_request"},
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attributes.items()],
    }


async def test_token_counts_as_strings_of_any_form(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession, clock: FakeClock
) -> None:
    at_ns = int((clock() - timedelta(minutes=1)).timestamp() * 1e9)
    forms = [
        {"input_tokens": " 1200 ", "output_tokens": "35", "cache_read_tokens": "800"},
        {"input_tokens": "12.7", "output_tokens": "1e2"},
        {"input_tokens": "inf", "output_tokens": "nan", "cache_read_tokens": "-inf"},
        {"input_tokens": "many", "output_tokens": "9007199254740993"},
    ]
    body = {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "claude-code"}}]
                },
                "scopeLogs": [
                    {"logRecords": [api_request(i, f, at_ns) for i, f in enumerate(forms)]}
                ],
            }
        ]
    }
    response = await client.post(
        "/otlp/v1/logs", content=json.dumps(body), headers={**JSON, **tenant.headers}
    )
    assert response.status_code == 200, response.text
    records = await telemetry_records(db, tenant.org_id)
    usage = {r.external_id: r.token_usage for r in records}
    assert usage["otlp:cc:s-numbers:0"] == {
        "input_tokens": 1200,
        "output_tokens": 35,
        "cache_read_tokens": 800,
        "cache_creation_tokens": 0,
        "total_tokens": 2035,
    }
    assert usage["otlp:cc:s-numbers:1"]["input_tokens"] == 12  # type: ignore[index]
    assert usage["otlp:cc:s-numbers:1"]["output_tokens"] == 100  # type: ignore[index]
    assert usage["otlp:cc:s-numbers:2"] is None  # no count was a finite number
    assert usage["otlp:cc:s-numbers:3"]["output_tokens"] == 9007199254740993  # type: ignore[index]


async def test_a_typed_count_that_is_nan_or_infinite_is_left_out(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession, clock: FakeClock
) -> None:
    start = int((clock() - timedelta(minutes=1)).timestamp() * 1e9)
    attributes = [
        {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
        {"key": "gen_ai.request.model", "value": {"stringValue": "m-1"}},
        {"key": "gen_ai.usage.input_tokens", "value": {"doubleValue": "Infinity"}},
        {"key": "gen_ai.usage.output_tokens", "value": {"doubleValue": "NaN"}},
        {"key": "gen_ai.usage.cache_read.input_tokens", "value": {"doubleValue": 3.0}},
    ]
    span = {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "name": "chat m-1",
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(start + 1_000_000),
        "attributes": attributes,
    }
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "my-agents"}}]}
    body = {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [span]}]}]}
    response = await client.post(
        "/otlp/v1/traces", content=json.dumps(body), headers={**JSON, **tenant.headers}
    )
    assert response.status_code == 200, response.text
    [record] = await telemetry_records(db, tenant.org_id)
    assert record.token_usage == {
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_read_tokens": 3,
        "cache_creation_tokens": 0,
        "total_tokens": 3,
    }
