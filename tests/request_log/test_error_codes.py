"""The request log's error code is the one the family's error handler answered with: each
family's codes, for validation, missing resources and unexpected errors, on both engines."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount

from agent_activity.api.deps import PrincipalDep
from agent_activity.config import Settings
from agent_activity.runtime import Runtime
from tests.factories import Tenant
from tests.request_log.test_writer import logged


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Only the explicit flush writes, so the test reads exactly what it caused.
    return Settings(
        database_url=database_url, rate_limit_per_minute=0, request_log_flush_interval_s=3600
    )


def add_failing_route(app: FastAPI, prefix: str) -> str:
    """A route inside the family mounted at ``prefix`` that fails unexpectedly once its caller
    is known; returns its path."""
    [family] = [r.app for r in app.routes if isinstance(r, Mount) and r.path == prefix]
    assert isinstance(family, FastAPI)

    async def endpoint(principal: PrincipalDep) -> dict[str, str]:
        raise RuntimeError(f"a bug, met by {principal.token_id}")

    family.router.routes.insert(0, APIRoute("/test-failure", endpoint, methods=["GET"]))
    return prefix + "/test-failure"


async def test_each_familys_error_code_reaches_the_request_log(
    app: FastAPI, client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    org, h = tenant.org_id, tenant.headers
    agent = uuid.uuid4()
    calls: list[tuple[str, str, dict[str, Any] | None, int, str]] = [
        # Activity log (file 004): the body's ``error``, VALIDATION_ERROR for a 422.
        (
            "GET",
            f"/v1/orgs/{org}/workspaces/{uuid.uuid4()}/activity",
            None,
            404,
            "RESOURCE_NOT_FOUND",
        ),
        ("POST", f"/v1/orgs/{org}/activity", {"activities": []}, 422, "VALIDATION_ERROR"),
        ("GET", add_failing_route(app, "/v1"), None, 500, "INTERNAL_SERVER_ERROR"),
        # Agent runs (file 003): ``error.code``.
        ("GET", f"/api/agents/{agent}", None, 404, "NOT_FOUND"),
        ("GET", f"/api/agents/{agent}/activities?per_page=0", None, 400, "BAD_REQUEST"),
        ("GET", add_failing_route(app, "/api/agents"), None, 500, "INTERNAL_ERROR"),
        # Project presence (files 000-002): ``code``.
        ("GET", f"/api/projects/{uuid.uuid4()}/agent-activity", None, 404, "NOT_FOUND"),
        ("POST", "/api/projects/agent-activity/batch", {"project_ids": []}, 400, "BAD_REQUEST"),
        ("GET", add_failing_route(app, "/api/projects"), None, 500, "INTERNAL_ERROR"),
    ]
    for method, path, body, status, _ in calls:
        answer = await client.request(method, path, json=body, headers=h)
        assert answer.status_code == status, (path, answer.text)
    await runtime.request_log.flush()
    records = await logged(client, tenant)
    by_path = {(r["method"], r["path"], r["status_code"]): r for r in records}
    for method, path, _, status, code in calls:
        record = by_path[(method, path.split("?")[0], status)]
        assert (record["success"], record["error_code"]) == (False, code), path
