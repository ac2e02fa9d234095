"""The same-origin proxy answers exactly what the public APIs answer for the cookie's token."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.domain.tenancy.principal import READ
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant, make_token
from tests.web.helpers import sign_in

WRITE_HEADERS = {"X-Dashboard": "1"}


async def test_proxied_reads_equal_direct_calls(client: httpx.AsyncClient, tenant: Tenant) -> None:
    made = await client.post(
        f"/api/projects/{tenant.project_id}/tickets", json={"title": "A"}, headers=tenant.headers
    )
    assert made.status_code == 201
    await sign_in(client, tenant.token)
    for path in ("tickets", "agent-activity", "agent-sessions?active=false"):
        direct = await client.get(
            f"/api/projects/{tenant.project_id}/{path}", headers=tenant.headers
        )
        proxied = await client.get(f"/ui/api/projects/{tenant.project_id}/{path}")
        assert proxied.status_code == direct.status_code == 200
        assert proxied.json() == direct.json()
        assert proxied.headers["cache-control"] == "no-store"


async def test_writes_need_the_dashboard_header(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await sign_in(client, tenant.token)
    url = f"/ui/api/projects/{tenant.project_id}/tickets"
    refused = await client.post(url, json={"title": "Forged"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "FORBIDDEN"
    made = await client.post(url, json={"title": "Real", "column": "todo"}, headers=WRITE_HEADERS)
    assert made.status_code == 201, made.text
    ticket = made.json()
    moved = await client.patch(
        f"{url}/{ticket['number']}", json={"column": "done"}, headers=WRITE_HEADERS
    )
    assert moved.status_code == 200 and moved.json()["column"] == "done"
    listed = (await client.get(url)).json()["tickets"]
    assert [(t["title"], t["column"]) for t in listed] == [("Real", "done")]


async def test_errors_keep_the_answering_familys_shape(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await sign_in(client, tenant.token)
    foreign = await client.get(f"/ui/api/projects/{other_tenant.project_id}/agent-activity")
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "NOT_FOUND" and "error" in foreign.json()
    bad = await client.post(
        f"/ui/api/projects/{tenant.project_id}/tickets", json={}, headers=WRITE_HEADERS
    )
    assert bad.status_code == 400 and "title" in bad.json()["fieldErrors"]
    agent = await client.get(f"/ui/api/agents/{other_tenant.project_id}")
    assert agent.status_code == 404


async def test_only_the_three_families_are_reachable(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await sign_in(client, tenant.token)
    for target in ("healthz", "mcp/x", "projects", "projects/../healthz", "v2/orgs"):
        response = await client.get(f"/ui/api/{target}")
        assert response.status_code == 404, target
        assert response.json()["code"] == "NOT_FOUND"


async def test_the_proxy_needs_a_signed_in_browser(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get(f"/ui/api/projects/{tenant.project_id}/agent-activity")
    assert response.status_code == 401
    # A bearer header sent to the proxy is not a way in: only the cookie is.
    response = await client.get(
        f"/ui/api/projects/{tenant.project_id}/agent-activity", headers=tenant.headers
    )
    assert response.status_code == 401


async def test_permissions_are_the_tokens_own(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    reader = await make_token(runtime, tenant, [READ])
    await sign_in(client, reader)
    response = await client.post(
        f"/ui/api/projects/{tenant.project_id}/tickets", json={"title": "x"}, headers=WRITE_HEADERS
    )
    assert response.status_code == 403
    assert "write" in response.json()["error"]


async def test_rate_limits_and_their_headers_pass_through(
    settings: Settings, clock: FakeClock, tenant: Tenant
) -> None:
    limited: FastAPI = create_app(
        settings.model_copy(update={"rate_limit_per_minute": 3}), clock=clock
    )
    transport = httpx.ASGITransport(app=limited)
    async with (
        limited.router.lifespan_context(limited),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        await sign_in(http, tenant.token)
        url = f"/ui/api/projects/{tenant.project_id}/tickets"
        # Each proxied call counts once against the token's limit, as a direct call would.
        statuses = [(await http.get(url)).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        response = await http.get(url)
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) >= 1
        assert response.json()["retryAfter"] >= 1
