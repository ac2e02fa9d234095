"""GET /api/agents/: the agents a token can see, in this family's envelope."""

from __future__ import annotations

import httpx

from agent_activity.runtime import Runtime
from tests.api.agents.helpers import create_agent
from tests.factories import Tenant, make_token


async def test_the_list_holds_the_org_s_agents_by_name_and_no_other_org_s(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    second = await create_agent(client, tenant, name="Zed")
    first = await create_agent(client, tenant, name="Alpha", workspace_id=str(tenant.workspace_id))
    await create_agent(client, other_tenant, name="Elsewhere")
    for path in ("/api/agents", "/api/agents/"):
        response = await client.get(path, headers=tenant.headers)
        assert response.status_code == 200, path
        body = response.json()
        assert (body["status"], body["status_code"]) == ("success", 200)
        items = body["data"]["items"]
        assert [item["id"] for item in items] == [first, second]
        assert body["data"]["_meta"] == {"total_items": 2}
        alpha = items[0]
        assert alpha["type"] == "agents"
        assert alpha["attributes"]["name"] == "Alpha"
        assert alpha["attributes"]["workspace_id"] == str(tenant.workspace_id)
        assert "versions" not in alpha["attributes"]


async def test_the_list_needs_read(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    write_only = await make_token(runtime, tenant, ["write"])
    refused = await client.get("/api/agents/", headers={"Authorization": f"Bearer {write_only}"})
    assert refused.status_code == 403
    assert (await client.get("/api/agents/")).status_code == 401
