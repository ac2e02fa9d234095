"""The service's own request log: one record per authenticated API request, written in batches
off the request path and flushed on a graceful stop."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute

from agent_activity.api.deps import PrincipalDep
from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant


@pytest.fixture(params=[False, True], ids=["in-process", "helper-process"])
def settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    # Only an explicit flush (or a full batch, or the stop) writes, so tests are deterministic.
    return Settings(
        database_url=database_url,
        rate_limit_per_minute=0,
        request_log_flush_interval_s=3600,
        request_log_process=request.param,
    )


async def logged(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    """The org's records, read through the feed (whose own request stays in the buffer)."""
    response = await client.get(
        f"/v1/orgs/{tenant.org_id}/activity", params={"limit": 200}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    activities: list[dict[str, Any]] = response.json()["activities"]
    return activities


def by_path(records: list[dict[str, Any]], path: str) -> dict[str, Any]:
    [record] = [r for r in records if r["path"] == path]
    return record


async def test_api_requests_of_every_family_are_logged(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    org = tenant.org_id
    project = f"/api/projects/{tenant.project_id}/agent-activity"
    missing_ws = f"/v1/orgs/{org}/workspaces/{uuid.uuid4()}/activity"
    missing_agent = f"/api/agents/{uuid.uuid4()}"
    bad_limit = f"/v1/orgs/{org}/activity/summary"
    h = tenant.headers
    assert (await client.get(project, headers=h)).status_code == 200
    assert (await client.get(missing_ws, headers=h)).status_code == 404
    assert (await client.get(missing_agent, headers=h)).status_code == 404
    assert (await client.get(bad_limit, params={"hours": 0}, headers=h)).status_code == 422
    assert (await client.get(f"/v1/orgs/{org}/activity")).status_code == 401
    assert (await client.get("/healthz")).status_code == 200
    await runtime.request_log.flush()
    records = await logged(client, tenant)
    assert sorted(r["path"] for r in records) == sorted(
        [project, missing_ws, missing_agent, bad_limit]
    )
    ok = by_path(records, project)
    assert ok["principal_type"] == "user"
    assert ok["principal_id"] == ok["user_id"] == str(tenant.user_id)
    assert ok["token_type"] == "api_token"
    assert ok["token_id"] and ok["token_id"] not in tenant.token
    assert ok["method"] == "GET"
    assert (ok["status_code"], ok["success"], ok["error_code"]) == (200, True, None)
    # The route described itself (request.state.activity); its values win over inference.
    assert (ok["resource_type"], ok["resource_id"]) == ("project", str(tenant.project_id))
    assert ok["action"] == "agent_activity.read"
    assert ok["workspace_id"] == str(tenant.workspace_id)
    assert ok["duration_ms"] > 0
    assert ok["timestamp"] == clock().isoformat(timespec="microseconds")
    assert ok["metadata"] == {"source": "request_log"}
    missing = by_path(records, missing_ws)
    assert (missing["status_code"], missing["success"]) == (404, False)
    assert missing["error_code"] == "RESOURCE_NOT_FOUND"
    assert (missing["resource_type"], missing["action"]) == ("workspace", "read")
    assert missing["workspace_id"] == missing["resource_id"] == missing_ws.split("/")[5]
    assert by_path(records, missing_agent)["error_code"] == "NOT_FOUND"
    assert by_path(records, missing_agent)["resource_type"] == "agent"
    assert by_path(records, bad_limit)["error_code"] == "VALIDATION_ERROR"


async def test_a_nul_in_a_request_path_is_logged_as_a_replacement_character(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    """PostgreSQL refuses the NUL character that a path can spell as %00: such a record once
    failed its whole batch, retried for ever, so no later record was stored either."""
    org = tenant.org_id
    project = f"/api/projects/{tenant.project_id}/agent-activity"
    h = tenant.headers
    answer = await client.get(f"/v1/orgs/{org}/users/a%00b/activity", headers=h)
    assert answer.status_code < 500, answer.text
    assert (await client.get(project, headers=h)).status_code == 200
    await runtime.request_log.flush()
    records = await logged(client, tenant)
    user_feed = f"/v1/orgs/{org}/users/a\ufffdb/activity"
    assert sorted(r["path"] for r in records) == sorted([user_feed, project])
    assert by_path(records, user_feed)["resource_id"] == "a\ufffdb"


def add_route(app: FastAPI, path: str, state: dict[str, Any]) -> None:
    async def endpoint(request: Request, principal: PrincipalDep) -> dict[str, str]:
        for key, value in state.items():
            setattr(request.state, key, value)
        return {"ok": str(principal.token_id)}

    # Ahead of the dashboard's catch-all mount.
    app.router.routes.insert(0, APIRoute(path, endpoint, methods=["POST"]))


async def test_routes_can_describe_or_claim_their_record(
    app: FastAPI, client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    add_route(app, "/api/test/recorded", {"activity_recorded": True})
    described = {"resource_type": "widget", "resource_id": "w-1", "action": "spin", "bogus": 1}
    add_route(app, "/api/test/described", {"activity": described})
    for path in ("/api/test/recorded", "/api/test/described"):
        assert (await client.post(path, headers=tenant.headers)).status_code == 200
    await runtime.request_log.flush()
    records = await logged(client, tenant)
    assert [r["path"] for r in records] == ["/api/test/described"]
    record = records[0]
    assert (record["resource_type"], record["resource_id"], record["action"]) == (
        "widget",
        "w-1",
        "spin",
    )


async def test_nothing_is_logged_when_disabled(settings: Settings, tenant: Tenant) -> None:
    quiet = create_app(settings.model_copy(update={"request_log_enabled": False}))
    async with quiet.router.lifespan_context(quiet):
        transport = httpx.ASGITransport(app=quiet)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for _ in range(3):
                await client.get(f"/v1/orgs/{tenant.org_id}/activity", headers=tenant.headers)
            await quiet.state.runtime.request_log.flush()
            assert await logged(client, tenant) == []
        assert quiet.state.runtime.request_log.close is None, "no helper for a log that is off"


async def test_a_graceful_stop_writes_what_is_buffered(
    settings: Settings, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    other = create_app(settings)
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as second:
            for _ in range(5):
                await second.get(
                    f"/api/projects/{tenant.project_id}/agent-activity", headers=tenant.headers
                )
        assert len(other.state.runtime.request_log.buffer) == 5
    records = await logged(client, tenant)
    assert len(records) == 5


async def test_a_full_batch_is_written_without_waiting_for_the_interval(
    settings: Settings, tenant: Tenant
) -> None:
    eager = create_app(settings.model_copy(update={"request_log_max_batch": 3}))
    async with eager.router.lifespan_context(eager):
        writer = eager.state.runtime.request_log
        transport = httpx.ASGITransport(app=eager)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for _ in range(3):
                await client.get(
                    f"/api/projects/{tenant.project_id}/agent-activity", headers=tenant.headers
                )
            # Far below the hour-long interval, and room for a helper's start on a busy machine
            # (seconds of imports); the loop ends as soon as the batch is written.
            for _ in range(6000):  # 120 s at most
                if writer.written >= 3:
                    break
                await asyncio.sleep(0.02)
            assert writer.written == 3
            assert writer.buffer == []
