"""Orgs, workspaces, projects, users and memberships."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import Membership, Org, Project, User, Workspace
from agent_activity.domain.errors import Invalid
from agent_activity.domain.tenancy.principal import ROLES


async def create_org(session: AsyncSession, name: str) -> Org:
    org = Org(name=name)
    session.add(org)
    await session.flush()
    return org


async def create_workspace(session: AsyncSession, org: Org, name: str) -> Workspace:
    workspace = Workspace(org_id=org.id, name=name)
    session.add(workspace)
    await session.flush()
    return workspace


async def create_project(session: AsyncSession, workspace: Workspace, name: str) -> Project:
    project = Project(org_id=workspace.org_id, workspace_id=workspace.id, name=name)
    session.add(project)
    await session.flush()
    return project


async def get_or_create_user(session: AsyncSession, email: str, name: str) -> User:
    user = await session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name)
        session.add(user)
        await session.flush()
    return user


async def grant_role(
    session: AsyncSession,
    user: User,
    *,
    org_id: uuid.UUID,
    scope_type: str,
    scope_id: uuid.UUID,
    role: str,
) -> Membership:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    if scope_type not in ("org", "workspace", "project"):
        raise Invalid("scope_type must be org, workspace or project")
    membership = Membership(
        user_id=user.id, org_id=org_id, scope_type=scope_type, scope_id=scope_id, role=role
    )
    session.add(membership)
    await session.flush()
    return membership
