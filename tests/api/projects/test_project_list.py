"""GET /api/projects: the projects a token can see, and never another org's."""

from __future__ import annotations

import httpx

from agent_activity.runtime import Runtime
from tests.api.projects.helpers import assert_error, make_restricted
from tests.factories import Tenant, make_token


async def test_an_owner_sees_every_project_of_the_org_and_no_other(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    restricted = await make_restricted(runtime, tenant)  # adds a second project, "Hidden"
    for path in ("/api/projects", "/api/projects/"):
        response = await client.get(path, headers=tenant.headers)
        assert response.status_code == 200, path
        listed = response.json()["projects"]
        assert [p["name"] for p in listed] == ["Board", "Hidden"]
        assert {p["id"] for p in listed} == {str(tenant.project_id), str(restricted.hidden)}
        board = listed[0]
        assert board == {
            "id": str(tenant.project_id),
            "name": "Board",
            "workspace_id": str(tenant.workspace_id),
            "workspace_name": "Main",
            "org_id": str(tenant.org_id),
        }
    others = (await client.get("/api/projects", headers=other_tenant.headers)).json()
    assert [p["id"] for p in others["projects"]] == [str(other_tenant.project_id)]


async def test_a_user_with_a_role_on_one_project_sees_only_that_one(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    restricted = await make_restricted(runtime, tenant)
    listed = (await client.get("/api/projects", headers=restricted.headers)).json()["projects"]
    assert [p["id"] for p in listed] == [str(tenant.project_id)]
    assert listed[0]["workspace_name"] is None


async def test_the_list_needs_a_token_with_read(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    missing = await client.get("/api/projects")
    assert missing.status_code == 401
    assert_error(missing.json(), "UNAUTHORIZED")
    write_only = await make_token(runtime, tenant, ["write"])
    refused = await client.get("/api/projects", headers={"Authorization": f"Bearer {write_only}"})
    assert refused.status_code == 403
    assert_error(refused.json(), "FORBIDDEN")
