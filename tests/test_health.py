"""Liveness and readiness answer without a token."""

from __future__ import annotations

import httpx

from tests.factories import Tenant


async def test_healthz_answers_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_the_database_and_its_schema(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_a_family_root_without_its_slash_reaches_the_family(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post("/api/agents", json={"name": "Bare"}, headers=tenant.headers)
    assert created.status_code == 201, created.text
    assert created.json()["data"]["attributes"]["name"] == "Bare"
    unauthenticated = await client.post("/api/agents", json={"name": "Bare"})
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["status"] == "error"
