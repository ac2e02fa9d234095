"""Building and sending activity records in tests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx

from agent_activity.db.models import Org
from agent_activity.domain.tenancy import orgs as tenancy
from agent_activity.runtime import Runtime
from tests.factories import Tenant, make_token


def activity(when: datetime, **fields: Any) -> dict[str, Any]:
    """One record in file 004's ingest shape, with a fresh client id."""
    return {"id": f"ext-{uuid.uuid4().hex}", "timestamp": when.isoformat(), **fields}


async def ingest(
    client: httpx.AsyncClient, tenant: Tenant, records: list[dict[str, Any]]
) -> dict[str, Any]:
    for start in range(0, len(records), 1000):
        response = await client.post(
            f"/v1/orgs/{tenant.org_id}/activity",
            json={"activities": records[start : start + 1000]},
            headers=tenant.headers,
        )
        assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def walk(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Every record of a feed, page by page."""
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(page["activities"])
        cursor = page["next_cursor"]
        assert page["has_more"] == (cursor is not None)
        if not page["has_more"]:
            return seen


async def add_workspace(runtime: Runtime, tenant: Tenant, name: str) -> uuid.UUID:
    async with runtime.sessionmaker() as session, session.begin():
        org = await session.get(Org, tenant.org_id)
        assert org is not None
        workspace = await tenancy.create_workspace(session, org, name)
    return workspace.id


async def add_member(
    runtime: Runtime, tenant: Tenant, scope: tuple[str, uuid.UUID], role: str, scopes: list[str]
) -> tuple[uuid.UUID, dict[str, str]]:
    """A new user with ``role`` on ``scope`` and a token with ``scopes``: (user id, headers)."""
    async with runtime.sessionmaker() as session, session.begin():
        user = await tenancy.get_or_create_user(session, f"{uuid.uuid4().hex[:8]}@acme.test", "M")
        await tenancy.grant_role(
            session, user, org_id=tenant.org_id, scope_type=scope[0], scope_id=scope[1], role=role
        )
        user_id = user.id
    secret = await make_token(runtime, tenant, scopes, principal_id=user_id)
    return user_id, {"Authorization": f"Bearer {secret}"}


def newest_first(records: list[dict[str, Any]]) -> list[str]:
    """Client ids in feed order (the tests give every record its own timestamp)."""
    return [r["id"] for r in sorted(records, key=lambda r: r["timestamp"], reverse=True)]
