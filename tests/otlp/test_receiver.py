"""The receiver's protocol: content types, gzip, limits, errors as google.rpc.Status, partial
success, the token in the path, and tenancy."""

from __future__ import annotations

import gzip
import json
import uuid

import httpx
import pytest
from google.rpc import status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.app import create_app
from agent_activity.config import Settings
from tests.conftest import FakeClock
from tests.factories import Tenant, make_tenant
from tests.otlp.helpers import CLAUDE, CODEX, body_of, telemetry_records

JSON = {"Content-Type": "application/json"}


async def test_another_content_type_is_415(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/otlp/v1/logs", content=b"x", headers={"Content-Type": "text/plain", **tenant.headers}
    )
    assert response.status_code == 415
    status = status_pb2.Status.FromString(response.content)
    assert "not supported" in status.message


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/json", b"{not json"), ("application/x-protobuf", b"\xff\xff\xff")],
)
async def test_a_body_that_cannot_be_decoded_is_400_with_a_status(
    client: httpx.AsyncClient, tenant: Tenant, content_type: str, body: bytes
) -> None:
    headers = {"Content-Type": content_type, **tenant.headers}
    response = await client.post("/otlp/v1/traces", content=body, headers=headers)
    assert response.status_code == 400
    if content_type == "application/json":
        assert response.json()["code"] == 3 and response.json()["message"]
    else:
        assert status_pb2.Status.FromString(response.content).code == 3


async def test_a_bad_hex_id_is_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz", "spanId": "00"}]}]}]}
    response = await client.post(
        "/otlp/v1/traces", content=json.dumps(body), headers=JSON | tenant.headers
    )
    assert response.status_code == 400
    assert "traceId" in response.json()["message"]


async def test_gzip_bodies_are_accepted(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession
) -> None:
    body, headers = body_of(CLAUDE / "logs-1.pb")
    headers |= {"Content-Encoding": "gzip", **tenant.headers}
    response = await client.post("/otlp/v1/logs", content=gzip.compress(body), headers=headers)
    assert response.status_code == 200
    assert (
        ExportLogsServiceResponse.FromString(response.content).partial_success.rejected_log_records
        == 0
    )
    assert len(await telemetry_records(db, tenant.org_id)) == 8


async def test_past_the_size_limit_is_413(database_url: str, clock: FakeClock) -> None:
    settings = Settings(
        database_url=database_url, rate_limit_per_minute=0, otlp_max_body_bytes=4096
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        tenant = await make_tenant(app.state.runtime, "Small")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            body, headers = body_of(CLAUDE / "logs-1.pb")
            response = await client.post(
                "/otlp/v1/logs", content=body, headers=headers | tenant.headers
            )
            assert response.status_code == 413
            # A small gzip body that inflates past the limit is refused the same way.
            bomb = gzip.compress(b"\0" * 100_000)
            headers |= {"Content-Encoding": "gzip"}
            response = await client.post(
                "/otlp/v1/logs", content=bomb, headers=headers | tenant.headers
            )
            assert response.status_code == 413


async def test_too_many_exports_are_429_with_retry_after(
    database_url: str, clock: FakeClock
) -> None:
    settings = Settings(database_url=database_url, rate_limit_per_minute=2)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        tenant = await make_tenant(app.state.runtime, "Busy")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            body, headers = body_of(CLAUDE / "metrics-1.json")
            statuses = []
            for _ in range(3):
                response = await client.post(
                    "/otlp/v1/metrics", content=body, headers=headers | tenant.headers
                )
                statuses.append(response.status_code)
            assert statuses == [200, 200, 429]
            assert int(response.headers["Retry-After"]) >= 1
            assert response.json()["code"] == 8


async def test_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    body, headers = body_of(CLAUDE / "logs-1.json")
    response = await client.post("/otlp/v1/logs", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == 16


async def test_items_of_an_unknown_project_are_refused_in_partial_success(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, db: AsyncSession
) -> None:
    body = json.loads((CLAUDE / "logs-1.json").read_bytes())
    stranger = {
        "key": "agent_activity.project_id",
        "value": {"stringValue": str(other_tenant.project_id)},
    }
    body["resourceLogs"][0]["resource"]["attributes"].append(stranger)
    response = await client.post(
        "/otlp/v1/logs", content=json.dumps(body), headers=JSON | tenant.headers
    )
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedLogRecords"] == "9"
    assert "not found" in partial["errorMessage"]
    assert await telemetry_records(db, tenant.org_id) == []
    assert await telemetry_records(db, other_tenant.org_id) == []


async def test_the_resource_attribute_names_the_project(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession
) -> None:
    body = json.loads((CLAUDE / "logs-1.json").read_bytes())
    own = {"key": "agent_activity.project_id", "value": {"stringValue": str(tenant.project_id)}}
    body["resourceLogs"][0]["resource"]["attributes"].append(own)
    response = await client.post(
        "/otlp/v1/logs", content=json.dumps(body), headers=JSON | tenant.headers
    )
    assert response.status_code == 200 and "partialSuccess" not in response.json()
    records = await telemetry_records(db, tenant.org_id)
    assert {r.workspace_id for r in records} == {str(tenant.workspace_id)}


async def test_a_bad_project_header_is_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body, headers = body_of(CLAUDE / "logs-1.json")
    headers |= {"X-Project-Id": "nope", **tenant.headers}
    response = await client.post("/otlp/v1/logs", content=body, headers=headers)
    assert response.status_code == 400
    headers["X-Project-Id"] = str(uuid.uuid4())
    response = await client.post("/otlp/v1/logs", content=body, headers=headers)
    assert response.status_code == 404


async def test_the_token_can_be_given_in_the_path_and_is_never_stored(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession
) -> None:
    body, headers = body_of(CODEX / "logs-1.json")
    response = await client.post(f"/otlp/t/{tenant.token}/v1/logs", content=body, headers=headers)
    assert response.status_code == 200
    from sqlalchemy import select

    from agent_activity.db.models import ActivityRecord

    db.expire_all()
    every = (await db.scalars(select(ActivityRecord))).all()
    assert every
    assert not any(tenant.token in repr(vars(record)) for record in every)


async def test_a_token_in_the_path_never_reaches_the_access_log(tenant: Tenant) -> None:
    import logging

    from agent_activity.otlp.redact import TokenRedaction

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "POST", f"/otlp/t/{tenant.token}/v1/logs", "1.1", 200),
        None,
    )
    TokenRedaction().filter(record)
    assert tenant.token not in record.getMessage()
    assert "/otlp/t/[token]/v1/logs" in record.getMessage()


async def test_another_orgs_token_never_sees_the_data(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, db: AsyncSession
) -> None:
    body, headers = body_of(CLAUDE / "logs-1.json")
    await client.post("/otlp/v1/logs", content=body, headers=headers | tenant.headers)
    # The same export from the other org is its own, stored apart, and its feed shows only it.
    await client.post("/otlp/v1/logs", content=body, headers=headers | other_tenant.headers)
    mine = await telemetry_records(db, tenant.org_id)
    theirs = await telemetry_records(db, other_tenant.org_id)
    assert len(mine) == len(theirs) == 8
    assert {r.principal_id for r in theirs} == {str(other_tenant.user_id)}
    feed = await client.get(f"/v1/orgs/{tenant.org_id}/activity", headers=other_tenant.headers)
    assert feed.status_code == 404
