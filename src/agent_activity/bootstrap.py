"""Set-up steps shared by the CLI commands: migrate, init an org, issue tokens, run the demo."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ApiToken, Membership, Org, Project, User
from agent_activity.domain.tenancy import orgs as tenancy
from agent_activity.domain.tenancy.principal import ALL_SCOPES, READ, Principal
from agent_activity.domain.tenancy.tokens import create_token


@dataclass(frozen=True)
class InitResult:
    org_id: uuid.UUID
    workspace_id: uuid.UUID
    project_id: uuid.UUID
    user_id: uuid.UUID
    token: str

    def as_json(self) -> dict[str, str]:
        return {
            "org_id": str(self.org_id),
            "workspace_id": str(self.workspace_id),
            "project_id": str(self.project_id),
            "user_id": str(self.user_id),
            "token": self.token,
        }


async def init_org(
    session: AsyncSession,
    *,
    org_name: str,
    workspace_name: str,
    project_name: str,
    email: str,
    user_name: str,
) -> InitResult:
    """An org with one workspace and project, and its owner with an all-scopes token."""
    org = await tenancy.create_org(session, org_name)
    workspace = await tenancy.create_workspace(session, org, workspace_name)
    project = await tenancy.create_project(session, workspace, project_name)
    user = await tenancy.get_or_create_user(session, email, user_name)
    await tenancy.grant_role(
        session, user, org_id=org.id, scope_type="org", scope_id=org.id, role="owner"
    )
    issued = await create_token(
        session,
        org_id=org.id,
        principal_type="user",
        principal_id=user.id,
        name="init",
        scopes=list(ALL_SCOPES),
    )
    return InitResult(org.id, workspace.id, project.id, user.id, issued.secret)


async def count_orgs(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Org)) or 0)


async def first_owner(session: AsyncSession, org_id: uuid.UUID | None = None) -> tuple[Org, User]:
    """The oldest org (or ``org_id``) and its first owner, for commands that act on 'the' org."""
    query = (
        select(Org, User)
        .join(Membership, Membership.org_id == Org.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.scope_type == "org", Membership.role == "owner")
        .order_by(Org.created_at, Membership.created_at)
        .limit(1)
    )
    if org_id is not None:
        query = query.where(Org.id == org_id)
    row = (await session.execute(query)).first()
    if row is None:
        raise LookupError("no org with an owner yet: run `agent-activity init` first")
    return row[0], row[1]


async def issue_owner_token(
    session: AsyncSession, org: Org, user: User, name: str, expires_at: datetime | None = None
) -> str:
    issued = await create_token(
        session,
        org_id=org.id,
        principal_type="user",
        principal_id=user.id,
        name=name,
        scopes=list(ALL_SCOPES),
        expires_at=expires_at,
    )
    return issued.secret


def describe_token(token: ApiToken) -> dict[str, object]:
    """A token's public facts (never its secret or hash)."""

    def stamp(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": str(token.id),
        "org_id": str(token.org_id),
        "name": token.name,
        "prefix": token.prefix,
        "principal_type": token.principal_type,
        "principal_id": str(token.principal_id),
        "scopes": token.scopes,
        "created_at": stamp(token.created_at),
        "expires_at": stamp(token.expires_at),
        "revoked_at": stamp(token.revoked_at),
        "last_used_at": stamp(token.last_used_at),
    }


def describe_expiry(expires_at: datetime | None) -> str:
    return expires_at.isoformat(timespec="seconds") if expires_at else "never"


async def operator_principal(session: AsyncSession, org_id: uuid.UUID | None = None) -> Principal:
    """Whoever holds the database reads a whole org (the oldest, or ``org_id``) from the CLI.

    A service principal with READ sees everything in its org by the rules of
    ``domain/tenancy/access.py``, so the CLI's lists take the same path as the REST ones.
    """
    org, _owner = await first_owner(session, org_id)
    return Principal(
        token_id=uuid.UUID(int=0),
        org_id=org.id,
        principal_type="service",
        principal_id=uuid.uuid5(uuid.NAMESPACE_URL, "agent-activity:service:cli"),
        scopes=frozenset({READ}),
    )


async def first_project(session: AsyncSession, org_id: uuid.UUID) -> uuid.UUID:
    """The org's oldest project: the one `init` created, which `serve --demo` points agents at."""
    found = await session.scalar(
        select(Project.id).where(Project.org_id == org_id).order_by(Project.created_at).limit(1)
    )
    if found is None:
        raise LookupError("this org has no project yet")
    return found
