"""Test data built through the domain layer, the same way the CLI's init does it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from agent_activity.domain import tenancy
from agent_activity.domain.principal import ALL_SCOPES
from agent_activity.domain.tokens import create_token
from agent_activity.runtime import Runtime


@dataclass(frozen=True)
class Tenant:
    org_id: uuid.UUID
    workspace_id: uuid.UUID
    project_id: uuid.UUID
    user_id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def make_tenant(runtime: Runtime, name: str) -> Tenant:
    async with runtime.sessionmaker() as session, session.begin():
        org = await tenancy.create_org(session, name)
        workspace = await tenancy.create_workspace(session, org, "Main")
        project = await tenancy.create_project(session, workspace, "Board")
        user = await tenancy.get_or_create_user(
            session, f"admin-{uuid.uuid4().hex[:6]}@{name.lower()}.test", "Admin"
        )
        await tenancy.grant_role(
            session, user, org_id=org.id, scope_type="org", scope_id=org.id, role="owner"
        )
        issued = await create_token(
            session,
            org_id=org.id,
            principal_type="user",
            principal_id=user.id,
            name="test",
            scopes=list(ALL_SCOPES),
        )
    return Tenant(org.id, workspace.id, project.id, user.id, issued.secret)


async def make_token(
    runtime: Runtime,
    tenant: Tenant,
    scopes: list[str],
    *,
    principal_type: str = "user",
    principal_id: uuid.UUID | None = None,
) -> str:
    async with runtime.sessionmaker() as session, session.begin():
        issued = await create_token(
            session,
            org_id=tenant.org_id,
            principal_type=principal_type,
            principal_id=principal_id or tenant.user_id,
            name="test",
            scopes=scopes,
        )
    return issued.secret
