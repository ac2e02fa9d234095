"""Each family answers authentication failures and unknown routes in its own documented shape."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from agent_activity.db.models import ApiToken
from agent_activity.domain.tenancy.principal import READ
from agent_activity.domain.tenancy.tokens import create_token, hash_token, revoke_token
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant


def assert_projects_shape(body: dict[str, Any], code: str) -> None:
    assert isinstance(body["error"], str) and body["error"]
    assert body["code"] == code
    assert set(body) <= {"error", "code", "fieldErrors", "issues", "retryAfter", "reconnect"}


def assert_agents_shape(body: dict[str, Any], status: int, code: str) -> None:
    assert body["status"] == "error" and body["status_code"] == status
    assert body["error"]["code"] == code and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)


def assert_activity_shape(body: dict[str, Any], status: int, code: str) -> None:
    assert set(body) == {"error", "message", "details", "timestamp", "status_code"}
    assert body["error"] == code and body["status_code"] == status


def family_paths(tenant: Tenant) -> dict[str, str]:
    return {
        "projects": f"/api/projects/{tenant.project_id}/agent-activity",
        "agents": f"/api/agents/{uuid.uuid4()}/activities",
        "activity": f"/v1/orgs/{tenant.org_id}/activity",
    }


def assert_unauthenticated(family: str, response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    if family == "projects":
        assert_projects_shape(body, "UNAUTHORIZED")
        assert body["reconnect"] is False
    elif family == "agents":
        assert_agents_shape(body, 401, "UNAUTHORIZED")
    else:
        assert_activity_shape(body, 401, "AUTHENTICATION_FAILED")
    assert "aa_" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize("family", ["projects", "agents", "activity"])
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer not-a-token", "Bearer aa_unknown-secret"],
)
async def test_requests_without_a_valid_token_get_401_in_the_family_shape(
    client: httpx.AsyncClient, tenant: Tenant, family: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.get(family_paths(tenant)[family], headers=headers)
    assert_unauthenticated(family, response)


@pytest.mark.parametrize("family", ["projects", "agents", "activity"])
async def test_revoked_and_expired_tokens_get_401(
    client: httpx.AsyncClient, runtime: Runtime, clock: FakeClock, tenant: Tenant, family: str
) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        expiring = await create_token(
            session,
            org_id=tenant.org_id,
            principal_type="user",
            principal_id=tenant.user_id,
            name="short",
            scopes=[READ],
            expires_at=clock() + timedelta(minutes=5),
        )
        token = await session.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_token(tenant.token))
        )
        assert token is not None
        await revoke_token(session, token.id, runtime.now())
    response = await client.get(family_paths(tenant)[family], headers=tenant.headers)
    assert_unauthenticated(family, response)
    clock.advance(301)
    headers = {"Authorization": f"Bearer {expiring.secret}"}
    response = await client.get(family_paths(tenant)[family], headers=headers)
    assert_unauthenticated(family, response)


async def test_unknown_routes_take_the_family_shape(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    projects = await client.get("/api/projects/nope/nothing/here", headers=tenant.headers)
    assert projects.status_code == 404
    assert_projects_shape(projects.json(), "NOT_FOUND")
    agents = await client.get("/api/agents/x/y/z/w", headers=tenant.headers)
    assert agents.status_code == 404
    assert_agents_shape(agents.json(), 404, "NOT_FOUND")
    activity = await client.get("/v1/nothing", headers=tenant.headers)
    assert activity.status_code == 404
    assert_activity_shape(activity.json(), 404, "RESOURCE_NOT_FOUND")
