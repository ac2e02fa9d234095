"""Who may see what: every route loads its resource through these checks.

Another org's resource is reported as missing (404), never as forbidden, so ids of other
tenants cannot be probed. Inside the caller's org, a user without a role on the resource or a
parent of it gets 403. Agent and service tokens act for their whole org, within their scopes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cachetools import TTLCache
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import Agent, Project, Workspace
from agent_activity.db.reads import Read, read_rows
from agent_activity.domain.errors import Forbidden, NotFound
from agent_activity.domain.tenancy.principal import READ, ROLE_SCOPES, Principal


def _check_role(principal: Principal, scope: str, *chain: tuple[str, uuid.UUID]) -> None:
    principal.require_scope(scope)
    if not principal.is_user:
        return
    role = principal.role_on(*chain)
    if role is None or scope not in ROLE_SCOPES[role]:
        raise Forbidden(
            f"You don't have the '{scope}' permission on this {chain[-1][0]}",
            required_permission=scope,
        )


def check_org_access(principal: Principal, org_id: uuid.UUID, scope: str = READ) -> None:
    """The caller may act on ``org_id`` with ``scope``. No query: a token belongs to exactly one
    org (deleting the org deletes its tokens), and the caller's roles came with the token."""
    if org_id != principal.org_id:
        raise NotFound("org", org_id)
    _check_role(principal, scope, ("org", org_id))


async def get_workspace(
    session: AsyncSession,
    principal: Principal,
    workspace_id: uuid.UUID,
    scope: str = READ,
    org_id: uuid.UUID | None = None,
) -> Workspace:
    workspace = await session.get(Workspace, workspace_id)
    if workspace is None or workspace.org_id != principal.org_id:
        raise NotFound("workspace", workspace_id)
    if org_id is not None and workspace.org_id != org_id:
        raise NotFound("workspace", workspace_id)
    _check_role(principal, scope, ("org", workspace.org_id), ("workspace", workspace.id))
    return workspace


async def get_project(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID, scope: str = READ
) -> Project:
    project = await session.get(Project, project_id)
    if project is None or project.org_id != principal.org_id:
        raise NotFound("project", project_id)
    _check_project_role(principal, scope, ProjectRef.of(project))
    return project


@dataclass(frozen=True)
class ProjectRef:
    """What access to a project depends on. None of it ever changes: a project does not move
    between workspaces or orgs, and the service deletes no project."""

    id: uuid.UUID
    org_id: uuid.UUID
    workspace_id: uuid.UUID

    @classmethod
    def of(cls, project: Project) -> ProjectRef:
        return cls(project.id, project.org_id, project.workspace_id)


class ProjectRefs:
    """Each process remembers the projects it has looked up, so the board's reads and the MCP
    tool calls check access without a query (an ORM load was an eighth of a heartbeat's CPU).
    Entries are dropped after ``ttl_s`` only to bound memory: what they hold never changes."""

    def __init__(self, ttl_s: float = 300.0, max_entries: int = 10_000) -> None:
        self._refs: TTLCache[uuid.UUID, ProjectRef] = TTLCache(max_entries, ttl_s)

    async def get(
        self, session: AsyncSession, principal: Principal, project_id: uuid.UUID, scope: str = READ
    ) -> ProjectRef:
        """As ``get_project``, checked the same way, without loading the row when known."""
        ref = self._refs.get(project_id)
        if ref is None:
            project = await session.get(Project, project_id)
            if project is not None:
                ref = self._refs[project_id] = ProjectRef.of(project)
        if ref is None or ref.org_id != principal.org_id:
            raise NotFound("project", project_id)
        _check_project_role(principal, scope, ref)
        return ref


def _check_project_role(principal: Principal, scope: str, ref: ProjectRef) -> None:
    _check_role(
        principal,
        scope,
        ("org", ref.org_id),
        ("workspace", ref.workspace_id),
        ("project", ref.id),
    )


async def check_agent_access(
    session: AsyncSession, principal: Principal, agent_id: uuid.UUID, scope: str = READ
) -> None:
    """What :func:`get_agent` checks, without loading the agent: a read of its org and
    workspace, for the runs list, which needs nothing else of it."""
    scope_read = Read(
        lambda: select(Agent.org_id, Agent.workspace_id).where(Agent.id == bindparam("agent")),
        {"agent": agent_id},
    )
    rows = await read_rows(session, scope_read)
    if not rows or rows[0][0] != principal.org_id:
        raise NotFound("agent", agent_id)
    _check_agent_role(principal, scope, rows[0][0], rows[0][1])


async def get_agent(
    session: AsyncSession, principal: Principal, agent_id: uuid.UUID, scope: str = READ
) -> Agent:
    agent = await session.get(Agent, agent_id)
    if agent is None or agent.org_id != principal.org_id:
        raise NotFound("agent", agent_id)
    _check_agent_role(principal, scope, agent.org_id, agent.workspace_id)
    return agent


def _check_agent_role(
    principal: Principal, scope: str, org_id: uuid.UUID, workspace_id: uuid.UUID | None
) -> None:
    """An agent is reached through its org, and its workspace when it has one."""
    chain: list[tuple[str, uuid.UUID]] = [("org", org_id)]
    if workspace_id is not None:
        chain.append(("workspace", workspace_id))
    _check_role(principal, scope, *chain)
