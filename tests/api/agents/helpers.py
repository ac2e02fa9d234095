"""Shared steps for this family's tests, all through the HTTP API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import Tenant


async def create_agent(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> str:
    response = await client.post(
        "/api/agents/", json={"name": "Mailer", **body}, headers=tenant.headers
    )
    assert response.status_code == 201, response.text
    uid: str = response.json()["data"]["attributes"]["agent_uid"]
    return uid


async def create_run(
    client: httpx.AsyncClient, tenant: Tenant, agent_uid: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/agents/{agent_uid}/runs",
        json={"trigger_type": "manual", **body},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def patch_run(
    client: httpx.AsyncClient, tenant: Tenant, agent_uid: str, run_id: str, **body: Any
) -> httpx.Response:
    return await client.patch(
        f"/api/agents/{agent_uid}/runs/{run_id}", json=body, headers=tenant.headers
    )
