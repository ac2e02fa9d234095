"""Every error of the activity log in exactly file 004's shape."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

from agent_activity.domain.activity import feeds as activity_feeds
from agent_activity.domain.tenancy.principal import INGEST, READ
from agent_activity.runtime import Runtime
from tests.api.activity.helpers import activity, add_member, add_workspace, ingest
from tests.conftest import FakeClock
from tests.factories import Tenant, make_token

ERROR_KEYS = {"error", "message", "details", "timestamp", "status_code"}


def assert_error(response: httpx.Response, status: int, code: str, details: dict[str, Any]) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["error"] == code
    assert body["status_code"] == status
    assert body["details"] == details
    datetime.fromisoformat(body["timestamp"])


def assert_422(response: httpx.Response, loc: list[Any], kind: str | None = None) -> None:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    for item in detail:
        assert set(item) == {"loc", "msg", "type", "input", "ctx"}
    assert detail[0]["loc"] == loc
    if kind is not None:
        assert detail[0]["type"] == kind


async def test_401_without_or_with_a_bad_token(client: httpx.AsyncClient, tenant: Tenant) -> None:
    url = f"/v1/orgs/{tenant.org_id}/activity"
    for headers in ({}, {"Authorization": "Bearer aa_nope"}, {"Authorization": "Basic x"}):
        response = await client.get(url, headers=headers)
        assert response.status_code == 401
        body = response.json()
        assert set(body) == ERROR_KEYS
        assert body["error"] == "AUTHENTICATION_FAILED"
        assert body["message"] == "Authentication required"


async def test_403_names_the_missing_permission(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    ingest_only = {"Authorization": f"Bearer {await make_token(runtime, tenant, [INGEST])}"}
    response = await client.get(f"/v1/orgs/{tenant.org_id}/activity", headers=ingest_only)
    assert_error(response, 403, "FORBIDDEN", {"required_permission": "activity:read"})
    assert response.json()["message"] == "You don't have permission to perform this action"
    read_only = {"Authorization": f"Bearer {await make_token(runtime, tenant, [READ])}"}
    response = await client.post(
        f"/v1/orgs/{tenant.org_id}/activity",
        json={"activities": [{"id": "x"}]},
        headers=read_only,
    )
    assert_error(response, 403, "FORBIDDEN", {"required_permission": "activity:ingest"})


async def test_workspace_roles_limit_what_a_user_reads(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    other = await add_workspace(runtime, tenant, "Other")
    user_id, headers = await add_member(
        runtime, tenant, ("workspace", tenant.workspace_id), "viewer", [READ]
    )
    await ingest(client, tenant, [activity(clock(), user_id=str(user_id))])
    base = f"/v1/orgs/{tenant.org_id}"
    allowed = [
        f"{base}/workspaces/{tenant.workspace_id}/activity",
        f"{base}/workspaces/{tenant.workspace_id}/activity/summary",
        f"{base}/me/activity",
        f"{base}/me/activity/summary",
        f"{base}/users/{user_id}/activity",
        f"{base}/users/{tenant.user_id}/activity?workspace_id={tenant.workspace_id}",
    ]
    for url in allowed:
        assert (await client.get(url, headers=headers)).status_code == 200, url
    denied = [
        f"{base}/activity",
        f"{base}/activity/summary",
        f"{base}/workspaces/{other}/activity",
        f"{base}/workspaces/{other}/activity/search",
        f"{base}/users/{tenant.user_id}/activity",
        f"{base}/users/{tenant.user_id}/activity/summary",
        f"{base}/users/{tenant.user_id}/activity?workspace_id={other}",
    ]
    for url in denied:
        response = await client.get(url, headers=headers)
        assert_error(response, 403, "FORBIDDEN", {"required_permission": "activity:read"})


async def test_404_for_other_orgs_and_unknown_workspaces(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = other_tenant.org_id
    response = await client.get(f"/v1/orgs/{theirs}/activity", headers=tenant.headers)
    assert_error(
        response, 404, "RESOURCE_NOT_FOUND", {"resource_type": "org", "resource_id": str(theirs)}
    )
    assert response.json()["message"] == "The requested resource was not found"
    for workspace in (other_tenant.workspace_id, uuid.uuid4()):
        response = await client.get(
            f"/v1/orgs/{tenant.org_id}/workspaces/{workspace}/activity", headers=tenant.headers
        )
        expected = {"resource_type": "workspace", "resource_id": str(workspace)}
        assert_error(response, 404, "RESOURCE_NOT_FOUND", expected)


BAD_PARAMS: list[tuple[str, dict[str, Any], list[Any], str | None]] = [
    ("/activity", {"limit": 0}, ["query", "limit"], "greater_than_equal"),
    ("/activity", {"limit": 201}, ["query", "limit"], "less_than_equal"),
    ("/activity", {"limit": "many"}, ["query", "limit"], "int_parsing"),
    ("/activity", {"start_time": "yesterday"}, ["query", "start_time"], None),
    # No UTC time in Python's datetime (once an OverflowError, a 500).
    ("/activity", {"end_time": "0001-01-01T00:00:00+01:00"}, ["query", "end_time"], None),
    ("/activity", {"end_time": "2025-13-01T00:00:00"}, ["query", "end_time"], None),
    (
        "/activity",
        {"start_time": "2025-01-02T00:00:00Z", "end_time": "2025-01-01T00:00:00Z"},
        ["query", "start_time"],
        "value_error",
    ),
    ("/activity", {"cursor": "not-a-cursor"}, ["query", "cursor"], "value_error"),
    ("/activity/summary", {"hours": 169}, ["query", "hours"], "less_than_equal"),
    ("/activity/summary", {"hours": 0}, ["query", "hours"], "greater_than_equal"),
    ("/me/activity/summary", {"hours": 169}, ["query", "hours"], "less_than_equal"),
    ("/workspaces/{ws}/activity/search", {"status": "maybe"}, ["query", "status"], None),
    (
        "/workspaces/{ws}/activity/search",
        {"min_duration_ms": -1},
        ["query", "min_duration_ms"],
        None,
    ),
    ("/workspaces/{ws}/activity/search", {"action": ""}, ["query", "action"], None),
    ("/workspaces/not-a-uuid/activity", {}, ["path", "workspace_id"], "uuid_parsing"),
]


@pytest.mark.parametrize(("path", "params", "loc", "kind"), BAD_PARAMS)
async def test_422_for_a_bad_parameter(
    client: httpx.AsyncClient,
    tenant: Tenant,
    path: str,
    params: dict[str, Any],
    loc: list[Any],
    kind: str | None,
) -> None:
    url = f"/v1/orgs/{tenant.org_id}" + path.format(ws=tenant.workspace_id)
    assert_422(await client.get(url, params=params, headers=tenant.headers), loc, kind)


async def test_500_carries_no_internals(
    client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> dict[str, Any]:
        raise RuntimeError("secret connection string postgres://admin:hunter2@db")

    monkeypatch.setattr(activity_feeds, "read_feed", broken)
    response = await client.get(f"/v1/orgs/{tenant.org_id}/activity", headers=tenant.headers)
    assert_error(response, 500, "INTERNAL_SERVER_ERROR", {})
    assert response.json()["message"] == "An unexpected error occurred"
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
