"""Arrangements shared by this family's tests: a second project and a narrowly-scoped user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from agent_activity.db.models import Workspace
from agent_activity.domain.tenancy import orgs as tenancy
from agent_activity.domain.tenancy.principal import ALL_SCOPES
from agent_activity.domain.tenancy.tokens import create_token
from agent_activity.runtime import Runtime
from tests.factories import Tenant

ERROR_KEYS = {"error", "code", "fieldErrors", "issues", "retryAfter", "reconnect"}


@dataclass(frozen=True)
class Restricted:
    """A user of the tenant's org whose only role is ``role`` on ``allowed``."""

    allowed: uuid.UUID
    hidden: uuid.UUID  # another project of the same org, without a role
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def make_restricted(runtime: Runtime, tenant: Tenant, role: str = "member") -> Restricted:
    async with runtime.sessionmaker() as session, session.begin():
        workspace = await session.get(Workspace, tenant.workspace_id)
        assert workspace is not None
        hidden = await tenancy.create_project(session, workspace, "Hidden")
        user = await tenancy.get_or_create_user(
            session, f"dev-{uuid.uuid4().hex[:6]}@acme.test", "Dev"
        )
        await tenancy.grant_role(
            session,
            user,
            org_id=tenant.org_id,
            scope_type="project",
            scope_id=tenant.project_id,
            role=role,
        )
        issued = await create_token(
            session,
            org_id=tenant.org_id,
            principal_type="user",
            principal_id=user.id,
            name="restricted",
            scopes=list(ALL_SCOPES),
        )
    return Restricted(tenant.project_id, hidden.id, issued.secret)


def assert_error(body: dict[str, Any], code: str) -> None:
    """The family's error shape: error and code always, nothing outside the documented keys."""
    assert isinstance(body["error"], str) and body["error"]
    assert body["code"] == code
    assert set(body) <= ERROR_KEYS
