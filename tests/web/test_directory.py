"""/ui/api/me: exactly what the signed-in token may pick, never another org's."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import Agent, App
from agent_activity.domain.tenancy import orgs as tenancy
from agent_activity.domain.tenancy.principal import ALL_SCOPES, READ, TOKEN_USAGE, WRITE
from agent_activity.runtime import Runtime
from tests.factories import Tenant, make_token
from tests.web.helpers import sign_in


async def me(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    client.cookies.clear()
    await sign_in(client, token)
    response = await client.get("/ui/api/me")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(items: list[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in items}


async def second_workspace(db: AsyncSession, tenant: Tenant) -> dict[str, uuid.UUID]:
    """A second workspace in the tenant's org with a project, an agent and an app in it."""
    org = await tenancy.create_org(db, "unused")  # an org of its own, to prove it never shows
    workspace = await tenancy.create_workspace(db, org, "x")
    await tenancy.create_project(db, workspace, "elsewhere")
    from agent_activity.db.models import Org, Workspace

    own_org = await db.get(Org, tenant.org_id)
    assert own_org is not None
    ws2 = await tenancy.create_workspace(db, own_org, "Research")
    project2 = await tenancy.create_project(db, ws2, "Lab")
    main_ws = await db.get(Workspace, tenant.workspace_id)
    assert main_ws is not None
    agent1 = Agent(org_id=tenant.org_id, workspace_id=tenant.workspace_id, name="Builder")
    agent2 = Agent(org_id=tenant.org_id, workspace_id=ws2.id, name="Researcher")
    org_agent = Agent(org_id=tenant.org_id, workspace_id=None, name="Org bot")
    app1 = App(org_id=tenant.org_id, workspace_id=tenant.workspace_id, name="Shop")
    app2 = App(org_id=tenant.org_id, workspace_id=ws2.id, name="Lab app")
    db.add_all([agent1, agent2, org_agent, app1, app2])
    await db.commit()
    return {
        "ws2": ws2.id,
        "project2": project2.id,
        "agent1": agent1.id,
        "agent2": agent2.id,
        "org_agent": org_agent.id,
        "app1": app1.id,
        "app2": app2.id,
    }


async def test_an_org_owner_sees_the_whole_org_and_nothing_else(
    client: httpx.AsyncClient,
    db: AsyncSession,
    tenant: Tenant,
    other_tenant: Tenant,
    runtime: Runtime,
) -> None:
    made = await second_workspace(db, tenant)
    body = await me(client, tenant.token)
    assert body["org"]["id"] == str(tenant.org_id)
    assert body["user_id"] == str(tenant.user_id)
    assert body["can_write"] and body["can_see_token_usage"]
    assert body["stale_after_s"] == runtime.settings.stale_after_s
    assert ids(body["workspaces"]) == {str(tenant.workspace_id), str(made["ws2"])}
    assert ids(body["projects"]) == {str(tenant.project_id), str(made["project2"])}
    project = next(p for p in body["projects"] if p["id"] == str(tenant.project_id))
    assert project["board_columns"] == ["backlog", "todo", "in_progress", "review", "done"]
    assert ids(body["agents"]) == {str(made[k]) for k in ("agent1", "agent2", "org_agent")}
    assert ids(body["apps"]) == {str(made["app1"]), str(made["app2"])}
    assert ids(body["users"]) == {str(tenant.user_id)}
    assert str(other_tenant.project_id) not in ids(body["projects"])


async def test_a_workspace_member_sees_only_that_workspace(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, runtime: Runtime
) -> None:
    made = await second_workspace(db, tenant)
    user = await tenancy.get_or_create_user(db, "member@acme.test", "Member")
    await tenancy.grant_role(
        db, user, org_id=tenant.org_id, scope_type="workspace", scope_id=made["ws2"], role="member"
    )
    await db.commit()
    token = await make_token(runtime, tenant, list(ALL_SCOPES), principal_id=user.id)
    body = await me(client, token)
    assert ids(body["workspaces"]) == {str(made["ws2"])}
    assert ids(body["projects"]) == {str(made["project2"])}
    assert ids(body["agents"]) == {str(made["agent2"])}
    assert ids(body["apps"]) == {str(made["app2"])}
    assert ids(body["users"]) == {str(user.id)}  # not an org-wide reader: only "me"
    assert body["can_write"] and not body["can_see_token_usage"]  # members lack token usage


async def test_a_project_viewer_sees_only_that_project(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, runtime: Runtime
) -> None:
    await second_workspace(db, tenant)
    user = await tenancy.get_or_create_user(db, "viewer@acme.test", "Viewer")
    await tenancy.grant_role(
        db,
        user,
        org_id=tenant.org_id,
        scope_type="project",
        scope_id=tenant.project_id,
        role="viewer",
    )
    await db.commit()
    token = await make_token(runtime, tenant, [READ, WRITE], principal_id=user.id)
    body = await me(client, token)
    assert body["workspaces"] == [] and body["agents"] == [] and body["apps"] == []
    assert ids(body["projects"]) == {str(tenant.project_id)}
    assert not body["can_write"]  # a viewer's role cuts the token down to read


async def test_an_agent_token_sees_its_whole_org(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, runtime: Runtime
) -> None:
    made = await second_workspace(db, tenant)
    token = await make_token(
        runtime, tenant, [READ, TOKEN_USAGE], principal_type="agent", principal_id=made["agent1"]
    )
    body = await me(client, token)
    assert body["principal"]["type"] == "agent" and body["user_id"] is None
    assert len(body["projects"]) == 2 and len(body["agents"]) == 3
    assert body["can_see_token_usage"] and not body["can_write"]


async def test_a_token_without_read_is_forbidden(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    token = await make_token(runtime, tenant, ["ingest"], principal_type="service")
    await sign_in(client, token)
    response = await client.get("/ui/api/me")
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    assert response.json()["required_permission"] == "read"
