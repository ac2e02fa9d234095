"""An export holds exactly the records of the feed it mirrors, in its order and shape, with the
token's access, as NDJSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest

from agent_activity.domain.activity.export import CSV_COLUMNS, export_records
from agent_activity.domain.activity.query import ActivityFilter
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.runtime import Runtime
from tests.api.activity.helpers import activity, add_member, add_workspace, ingest, walk
from tests.conftest import FakeClock
from tests.factories import Tenant


@pytest.fixture
async def records(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> list[dict[str, Any]]:
    other = str(await add_workspace(runtime, tenant, "Other"))
    made = [
        activity(
            clock() - timedelta(minutes=7 * i),
            workspace_id=(str(tenant.workspace_id), other, None)[i % 3],
            user_id=("u-1", "u-2")[i % 2],
            action=("read", "create", "execute")[i % 3],
            resource_type=("app", "endpoint")[i % 2],
            status_code=500 if i % 4 == 0 else 200,
            duration_ms=float(i * 3),
            token_usage={"input_tokens": i, "output_tokens": 2 * i},
            metadata={"n": i, "text": 'a,b\n"c"'},
        )
        for i in range(40)
    ]
    await ingest(client, tenant, made)
    return made


def ndjson(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


async def test_the_org_export_equals_the_org_feed(
    client: httpx.AsyncClient, tenant: Tenant, records: list[dict[str, Any]]
) -> None:
    url = f"/v1/orgs/{tenant.org_id}/activity"
    feed = await walk(client, url, tenant.headers, limit=9)
    exported = ndjson(await client.get(url + "/export", headers=tenant.headers))
    assert len(feed) == len(records)
    assert exported == feed


async def test_a_filtered_workspace_export_equals_the_search(
    client: httpx.AsyncClient, tenant: Tenant, records: list[dict[str, Any]], clock: FakeClock
) -> None:
    ws = f"/v1/orgs/{tenant.org_id}/workspaces/{tenant.workspace_id}/activity"
    params: dict[str, str | int] = {
        "status": "success",
        "min_duration_ms": 6,
        "start_time": (clock() - timedelta(hours=3)).isoformat(),
        "end_time": (clock() - timedelta(minutes=20)).isoformat(),
    }
    feed = await walk(client, ws + "/search", tenant.headers, limit=5, **params)
    exported = ndjson(await client.get(ws + "/export", params=params, headers=tenant.headers))
    assert feed, "the filters must leave some records"
    assert exported == feed


async def test_the_csv_export_holds_the_same_records(
    client: httpx.AsyncClient, tenant: Tenant, records: list[dict[str, Any]]
) -> None:
    url = f"/v1/orgs/{tenant.org_id}/activity"
    feed = await walk(client, url, tenant.headers, limit=50)
    response = await client.get(url + "/export", params={"format": "csv"}, headers=tenant.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert [row["id"] for row in rows] == [a["id"] for a in feed]
    for row, shown in zip(rows, feed, strict=True):
        assert json.loads(row["metadata"]) == shown["metadata"]
        assert json.loads(row["token_usage"]) == shown["token_usage"]
        assert float(row["duration_ms"]) == shown["duration_ms"]
        assert row["success"] == ("true" if shown["success"] else "false")
        assert row["app_id"] == ""


async def test_chunks_join_into_the_feed(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, records: list[dict[str, Any]]
) -> None:
    feed = await walk(client, f"/v1/orgs/{tenant.org_id}/activity", tenant.headers, limit=50)
    chunks = [
        chunk
        async for chunk in export_records(
            runtime.read_sessionmaker, ActivityFilter(tenant.org_id), chunk=7
        )
    ]
    assert [len(chunk) for chunk in chunks] == [7] * 5 + [5]
    # The chunks carry the JSON columns as their stored text, passed through to the lines.
    decoded = [
        {
            **a,
            "token_usage": orjson.loads(a["token_usage"]),
            "metadata": orjson.loads(a["metadata"]),
        }
        for chunk in chunks
        for a in chunk
    ]
    assert decoded == feed


async def test_records_of_the_service_itself_export_as_the_feed_shows_them(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    """Records with no client id (request log, MCP) show their UUID; odd microseconds, a
    record exactly on the second and empty JSON columns come out as the feed writes them."""
    times = [clock() - timedelta(seconds=s, microseconds=us) for s, us in ((0, 0), (1, 7), (2, 0))]
    async with runtime.sessionmaker() as session, session.begin():
        await write_activity_records(
            session,
            [
                {"org_id": tenant.org_id, "timestamp": at, "action": "read", "success": i != 1}
                for i, at in enumerate(times)
            ],
        )
    url = f"/v1/orgs/{tenant.org_id}/activity"
    feed = await walk(client, url, tenant.headers, limit=2)
    exported = ndjson(await client.get(url + "/export", headers=tenant.headers))
    assert exported == feed
    assert [uuid.UUID(a["id"]).version for a in exported] == [7, 7, 7]
    assert [a["timestamp"] for a in exported] == [
        at.isoformat(timespec="microseconds") for at in times
    ]
    assert exported[0]["metadata"] == {} and exported[0]["token_usage"] == {}


async def test_an_export_stopped_early_leaves_no_read_behind(
    runtime: Runtime, tenant: Tenant, records: list[dict[str, Any]]
) -> None:
    chunks = export_records(runtime.read_sessionmaker, ActivityFilter(tenant.org_id), chunk=7)
    first = await anext(chunks)
    await chunks.aclose()  # the next chunk's read, begun in advance, is cancelled and awaited
    assert len(first) == 7


async def test_an_export_needs_the_feeds_access(
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    other_tenant: Tenant,
    records: list[dict[str, Any]],
) -> None:
    org = f"/v1/orgs/{tenant.org_id}/activity/export"
    ws = f"/v1/orgs/{tenant.org_id}/workspaces/{tenant.workspace_id}/activity/export"
    foreign = await client.get(org, headers=other_tenant.headers)
    assert foreign.status_code == 404
    assert foreign.json()["error"] == "RESOURCE_NOT_FOUND"
    _, member = await add_member(
        runtime, tenant, ("workspace", tenant.workspace_id), "viewer", ["read"]
    )
    assert (await client.get(org, headers=member)).status_code == 403
    mine = ndjson(await client.get(ws, headers=member))
    assert {a["workspace_id"] for a in mine} == {str(tenant.workspace_id)}
    assert (await client.get(org)).status_code == 401


async def test_bad_export_parameters_are_the_familys_validation_error(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    url = f"/v1/orgs/{tenant.org_id}/activity/export"
    for params in (
        {"format": "xml"},
        {"start_time": "2026-12-02T00:00:00Z", "end_time": "2026-12-01T00:00:00Z"},
        {"min_duration_ms": "-1"},
    ):
        response = await client.get(url, params=params, headers=tenant.headers)
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"][0] == "query"
