"""Every error of the project agent-activity family, in its documented shape (files 000-002)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.domain.tenancy.principal import INGEST, READ
from agent_activity.runtime import Runtime
from tests.api.projects.helpers import assert_error, make_restricted
from tests.conftest import FakeClock
from tests.factories import Tenant, make_tenant, make_token

BATCH = "/api/projects/agent-activity/batch"


def project_paths(project_id: object) -> list[str]:
    return [
        f"/api/projects/{project_id}/agent-activity",
        f"/api/projects/{project_id}/agent-sessions",
        f"/api/projects/{project_id}/tickets",
    ]


@pytest.mark.parametrize("bad", ["not-a-uuid", "123", "2489E9AD-2EE2-8E00-8EC9"])
async def test_a_malformed_project_id_is_400_with_the_path_named(
    client: httpx.AsyncClient, tenant: Tenant, bad: str
) -> None:
    for path in project_paths(bad):
        response = await client.get(path, headers=tenant.headers)
        assert response.status_code == 400, path
        body = response.json()
        assert_error(body, "BAD_REQUEST")
        assert body["issues"][0]["path"] == "id"
        assert body["fieldErrors"] == {"id": body["issues"][0]["message"]}


async def test_an_uppercase_uuid_is_accepted(client: httpx.AsyncClient, tenant: Tenant) -> None:
    path = f"/api/projects/{str(tenant.project_id).upper()}/agent-activity"
    assert (await client.get(path, headers=tenant.headers)).status_code == 200


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"project_ids": []}, "project_ids"),
        ({"project_ids": [str(uuid.uuid4()) for _ in range(26)]}, "project_ids"),
        ({"project_ids": ["nope"]}, "project_ids.0"),
        ({"project_ids": [str(uuid.uuid4()), str(uuid.uuid4()), 7]}, "project_ids.2"),
        ({}, "project_ids"),
        ({"project_ids": "not-a-list"}, "project_ids"),
        ([], "body"),
    ],
)
async def test_bad_batch_bodies_are_400_with_issues_per_path(
    client: httpx.AsyncClient, tenant: Tenant, payload: object, path: str
) -> None:
    response = await client.post(BATCH, json=payload, headers=tenant.headers)
    assert response.status_code == 400
    body = response.json()
    assert_error(body, "BAD_REQUEST")
    assert body["issues"][0]["path"] == path
    assert all(set(issue) == {"path", "message"} for issue in body["issues"])
    assert body["fieldErrors"][path] == body["issues"][0]["message"]
    assert path in body["error"]


async def test_malformed_json_is_400_on_the_body(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = {**tenant.headers, "Content-Type": "application/json"}
    response = await client.post(BATCH, content=b'{"project_ids": [', headers=headers)
    assert response.status_code == 400
    body = response.json()
    assert_error(body, "BAD_REQUEST")
    assert body["issues"][0]["path"] == "body"


async def test_twenty_five_ids_are_allowed(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ids = [str(tenant.project_id)] * 25
    response = await client.post(BATCH, json={"project_ids": ids}, headers=tenant.headers)
    assert response.status_code == 200
    assert [r["project_id"] for r in response.json()["results"]] == ids


@pytest.mark.parametrize("authorization", [None, "Bearer aa_wrong", "Basic Zm9vOmJhcg=="])
async def test_no_valid_token_is_401(
    client: httpx.AsyncClient, tenant: Tenant, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for path in project_paths(tenant.project_id):
        response = await client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert_error(response.json(), "UNAUTHORIZED")
        assert response.json()["reconnect"] is False
    response = await client.post(BATCH, json={"project_ids": []}, headers=headers)
    assert response.status_code == 401


async def test_a_token_without_read_is_403(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    token = await make_token(runtime, tenant, [INGEST])
    headers = {"Authorization": f"Bearer {token}"}
    for path in project_paths(tenant.project_id):
        response = await client.get(path, headers=headers)
        assert response.status_code == 403
        assert_error(response.json(), "FORBIDDEN")
    batch = {"project_ids": [str(tenant.project_id)]}
    assert (await client.post(BATCH, json=batch, headers=headers)).status_code == 403


async def test_a_user_without_a_role_on_the_project_is_403(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    restricted = await make_restricted(runtime, tenant)
    for path in project_paths(restricted.hidden):
        response = await client.get(path, headers=restricted.headers)
        assert response.status_code == 403
        assert_error(response.json(), "FORBIDDEN")
    for path in project_paths(restricted.allowed):
        assert (await client.get(path, headers=restricted.headers)).status_code == 200


async def test_a_viewer_cannot_write_tickets(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    viewer = await make_restricted(runtime, tenant, role="viewer")
    path = f"/api/projects/{viewer.allowed}/tickets"
    response = await client.post(path, json={"title": "x"}, headers=viewer.headers)
    assert response.status_code == 403
    assert_error(response.json(), "FORBIDDEN")
    assert (await client.get(path, headers=viewer.headers)).status_code == 200


async def test_missing_and_foreign_projects_are_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    for project_id in (uuid.uuid4(), other_tenant.project_id):
        for path in project_paths(project_id):
            response = await client.get(path, headers=tenant.headers)
            assert response.status_code == 404
            assert_error(response.json(), "NOT_FOUND")


async def test_batch_fails_on_the_first_bad_id_in_request_order(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    restricted = await make_restricted(runtime, tenant)
    ok, hidden = str(restricted.allowed), str(restricted.hidden)
    missing, foreign = str(uuid.uuid4()), str(other_tenant.project_id)
    cases = [
        ([ok, hidden, missing], 403),
        ([ok, missing, hidden], 404),
        ([foreign, hidden], 404),
        ([hidden, foreign], 403),
        ([ok, ok], 200),
    ]
    for ids, status in cases:
        response = await client.post(BATCH, json={"project_ids": ids}, headers=restricted.headers)
        assert response.status_code == status, ids
        if status != 200:
            assert_error(response.json(), "FORBIDDEN" if status == 403 else "NOT_FOUND")


async def test_an_unknown_route_and_a_wrong_method_keep_the_shape(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get("/api/projects/nothing/here/at/all", headers=tenant.headers)
    assert response.status_code == 404
    assert_error(response.json(), "NOT_FOUND")
    response = await client.get(BATCH, headers=tenant.headers)
    assert response.status_code in (404, 405)
    assert set(response.json()) <= {"error", "code", "fieldErrors", "issues", "retryAfter"}


@pytest.fixture(params=["database", "redis"])
async def limited_app(
    request: pytest.FixtureRequest, database_url: str, clock: FakeClock
) -> AsyncIterator[FastAPI]:
    settings = Settings(
        database_url=database_url,
        rate_limit_per_minute=3,
        redis_url="redis://127.0.0.1:6379/0" if request.param == "redis" else None,
    )
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


async def test_the_per_token_limit_answers_429_with_retry_after(
    limited_app: FastAPI, clock: FakeClock
) -> None:
    runtime: Runtime = limited_app.state.runtime
    tenant = await make_tenant(runtime, f"Limited-{uuid.uuid4().hex[:6]}")
    transport = httpx.ASGITransport(app=limited_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        path = f"/api/projects/{tenant.project_id}/agent-activity"
        statuses = [(await client.get(path, headers=tenant.headers)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = await client.get(path, headers=tenant.headers)
        assert response.status_code == 429
        body = response.json()
        assert_error(body, "RATE_LIMITED")
        assert isinstance(body["retryAfter"], int | float) and 1 <= body["retryAfter"] <= 60
        assert response.headers["retry-after"] == str(int(body["retryAfter"]))
        batch = {"project_ids": [str(tenant.project_id)]}
        assert (await client.post(BATCH, json=batch, headers=tenant.headers)).status_code == 429
        clock.advance(61)
        assert (await client.get(path, headers=tenant.headers)).status_code == 200


async def test_read_scope_alone_is_enough_to_read(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    token = await make_token(runtime, tenant, [READ])
    for path in project_paths(tenant.project_id):
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, path


async def test_active_must_be_a_boolean(client: httpx.AsyncClient, tenant: Tenant) -> None:
    path = f"/api/projects/{tenant.project_id}/agent-sessions"
    for value in ("true", "false", "1", "0", "yes", "no"):
        response = await client.get(f"{path}?active={value}", headers=tenant.headers)
        assert response.status_code == 200, value
    response = await client.get(f"{path}?active=maybe", headers=tenant.headers)
    assert response.status_code == 400
    body = response.json()
    assert_error(body, "BAD_REQUEST")
    assert list(body["fieldErrors"]) == ["active"]
