"""Test data built through the domain layer, the same way the CLI's init does it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from agent_activity.bootstrap import init_org
from agent_activity.domain.tenancy.tokens import create_token
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
    """Built the way `agent-activity init` builds an org."""
    async with runtime.sessionmaker() as session, session.begin():
        result = await init_org(
            session,
            org_name=name,
            workspace_name="Main",
            project_name="Board",
            email=f"admin-{uuid.uuid4().hex[:6]}@{name.lower()}.test",
            user_name="Admin",
        )
    return Tenant(
        result.org_id, result.workspace_id, result.project_id, result.user_id, result.token
    )


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
