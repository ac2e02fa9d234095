"""What a caller may see, listed: the dashboard's pickers and its activity time series.

The spec's APIs answer questions about one known resource; a person signing in to the dashboard
first needs to know which workspaces, projects, agents, apps and users they may pick. The rules
are those of ``domain/tenancy/access.py``: agent and service tokens see their whole org (given
the READ scope); a user sees what a role on the resource or one of its parents covers.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from agent_activity.db.models import (
    ActivityRollup,
    Agent,
    AgentSession,
    App,
    Checkpoint,
    Membership,
    Org,
    Project,
    ServiceSecret,
    Ticket,
    User,
    WorkInterval,
    Workspace,
)
from agent_activity.db.upsert import insert_for
from agent_activity.domain.activity.rollups import DASHBOARD_PREFIX
from agent_activity.domain.errors import Invalid, NotFound
from agent_activity.domain.tenancy.access import check_org_access, get_workspace
from agent_activity.domain.tenancy.principal import READ, Principal


@dataclass(frozen=True)
class Directory:
    org: Org
    workspaces: list[Workspace]
    projects: list[Project]
    agents: list[Agent]
    apps: list[App]
    users: list[User]


def _ids_with_role(principal: Principal, scope_type: str) -> list[uuid.UUID]:
    return [scope_id for (kind, scope_id) in principal.roles if kind == scope_type]


def _covered(
    principal: Principal, *chain: tuple[str, InstrumentedAttribute[Any]]
) -> ColumnElement[bool]:
    """SQL truth of "the principal holds a role on one of these (scope type, id column)"."""
    if not principal.is_user:
        return true()
    if principal.role_on(("org", principal.org_id)) is not None:
        return true()
    clauses = [
        column.in_(_ids_with_role(principal, kind))
        for kind, column in chain
        if _ids_with_role(principal, kind)
    ]
    return or_(*clauses) if clauses else false()


async def load_directory(session: AsyncSession, principal: Principal) -> Directory:
    """Everything in the principal's org the principal may read, each list sorted by name."""
    principal.require_scope(READ)
    org = await session.get(Org, principal.org_id)
    if org is None:
        raise NotFound("org", principal.org_id)
    workspaces = await session.scalars(
        select(Workspace)
        .where(Workspace.org_id == org.id, _covered(principal, ("workspace", Workspace.id)))
        .order_by(Workspace.name, Workspace.id)
    )
    projects = await session.scalars(
        select(Project)
        .where(
            Project.org_id == org.id,
            _covered(principal, ("workspace", Project.workspace_id), ("project", Project.id)),
        )
        .order_by(Project.name, Project.id)
    )
    agents = await session.scalars(
        select(Agent)
        .where(Agent.org_id == org.id, _covered(principal, ("workspace", Agent.workspace_id)))
        .order_by(Agent.name, Agent.id)
    )
    apps = await session.scalars(
        select(App)
        .where(App.org_id == org.id, _covered(principal, ("workspace", App.workspace_id)))
        .order_by(App.name, App.id)
    )
    return Directory(
        org=org,
        workspaces=list(workspaces),
        projects=list(projects),
        agents=list(agents),
        apps=list(apps),
        users=await _visible_users(session, principal),
    )


async def _visible_users(session: AsyncSession, principal: Principal) -> list[User]:
    """The org's members for an org-wide reader; otherwise only the caller (for "me")."""
    org_wide = not principal.is_user or principal.role_on(("org", principal.org_id)) is not None
    query = select(User).order_by(User.name, User.id)
    if org_wide:
        members = select(Membership.user_id).where(Membership.org_id == principal.org_id)
        query = query.where(User.id.in_(members))
    else:
        query = query.where(User.id == principal.principal_id)
    return list(await session.scalars(query))


# --- activity time series ----------------------------------------------------------------------

LEVELS = ("org", "workspace", "user", "app")


@dataclass
class SeriesBucket:
    start: datetime
    requests: int = 0
    successes: int = 0
    tokens: int = 0


@dataclass
class ActivitySeries:
    level: str
    scope_id: str
    start: datetime
    end: datetime
    bucket_hours: int
    buckets: list[SeriesBucket]
    by_action: dict[str, int] = field(default_factory=dict)
    by_resource: dict[str, int] = field(default_factory=dict)


async def check_level_access(
    session: AsyncSession, principal: Principal, level: str, scope_id: str
) -> None:
    """Raise unless the principal may read the activity of this org, workspace, user or app."""
    if level not in LEVELS:
        raise Invalid(f"level must be one of {', '.join(LEVELS)}")
    if level == "user" and principal.is_user and scope_id == str(principal.principal_id):
        principal.require_scope(READ)  # everyone may read their own activity
        return
    if level in ("org", "user"):
        target = principal.org_id if level == "user" else _parse_uuid(scope_id, level)
        check_org_access(principal, target)
        return
    if level == "workspace":
        await get_workspace(session, principal, _parse_uuid(scope_id, level))
        return
    app = await session.get(App, _parse_uuid(scope_id, level))
    if app is None or app.org_id != principal.org_id:
        raise NotFound("app", scope_id)
    await get_workspace(session, principal, app.workspace_id)


def _parse_uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(what, value) from None


async def activity_series(
    session: AsyncSession,
    principal: Principal,
    *,
    level: str,
    scope_id: str,
    hours: int,
    now: datetime,
    exclude_dashboard_reads: bool = False,
) -> ActivitySeries:
    """Requests, successes and tokens per bucket over the last ``hours``, from hourly rollups.

    The window is the last ``hours`` whole hours, the current one included, so a chart never
    mixes rolled-up and raw counts; bars are one hour wide, or six beyond two days (a week is
    28 bars). ``exclude_dashboard_reads`` subtracts the dashboard's own reads, rolled up a second
    time under ``dash-<scope>``.
    """
    if not 1 <= hours <= 168:
        raise Invalid("hours must be between 1 and 168")
    await check_level_access(session, principal, level, scope_id)
    width = 1 if hours <= 48 else 6
    current_hour = now.replace(minute=0, second=0, microsecond=0)
    count = -(-hours // width)
    first = current_hour - timedelta(hours=hours - 1)
    buckets = [SeriesBucket(first + timedelta(hours=width * i)) for i in range(count)]
    scopes = [level, DASHBOARD_PREFIX + level] if exclude_dashboard_reads else [level]
    rows = await session.execute(
        select(
            ActivityRollup.scope_type,
            ActivityRollup.bucket_start,
            ActivityRollup.action,
            ActivityRollup.resource_type,
            func.sum(ActivityRollup.requests),
            func.sum(ActivityRollup.successes),
            func.sum(ActivityRollup.tokens),
        )
        .where(
            ActivityRollup.org_id == principal.org_id,
            ActivityRollup.scope_type.in_(scopes),
            ActivityRollup.scope_id == scope_id,
            ActivityRollup.span == "hour",
            ActivityRollup.bucket_start >= first,
            ActivityRollup.bucket_start <= current_hour,
        )
        .group_by(
            ActivityRollup.scope_type,
            ActivityRollup.bucket_start,
            ActivityRollup.action,
            ActivityRollup.resource_type,
        )
    )
    series = ActivitySeries(level, scope_id, first, now, width, buckets)
    for scope_type, bucket_start, action, resource_type, requests, successes, tokens in rows:
        sign = -1 if scope_type != level else 1
        index = int((bucket_start - first).total_seconds() // (3600 * width))
        bucket = buckets[index]
        bucket.requests += sign * int(requests or 0)
        bucket.successes += sign * int(successes or 0)
        bucket.tokens += sign * int(tokens or 0)
        _add(series.by_action, action or "(none)", sign * int(requests or 0))
        _add(series.by_resource, resource_type or "(none)", sign * int(requests or 0))
    # A kind made only of the dashboard's reads adds up to nothing once they are left out.
    for counts in (series.by_action, series.by_resource):
        for key in [key for key, value in counts.items() if value == 0]:
            del counts[key]
    return series


def _add(counts: dict[str, int], key: str, value: int) -> None:
    counts[key] = counts.get(key, 0) + value


# --- service secrets -----------------------------------------------------------------------------


async def service_secret(session: AsyncSession, name: str) -> str:
    """The named key shared by every process: generated by whichever process asks first."""
    existing = await session.scalar(select(ServiceSecret.value).where(ServiceSecret.name == name))
    if existing is not None:
        return existing
    await session.execute(
        insert_for(session.get_bind().dialect.name, ServiceSecret)
        .values(name=name, value=secrets.token_urlsafe(48))
        .on_conflict_do_nothing(index_elements=["name"])
    )
    value = await session.scalar(select(ServiceSecret.value).where(ServiceSecret.name == name))
    assert value is not None
    return value


# --- live board ----------------------------------------------------------------------------------


async def board_marker(
    session: AsyncSession, project_id: uuid.UUID, now: datetime, stale_after_s: float
) -> tuple[object, ...]:
    """A cheap value that changes whenever anything the board shows changes, in one query.

    Every MCP tool call moves a session's last activity; work, checkpoints and tickets leave
    their own timestamps and counts; a session turning stale changes nothing stored, so the
    number of stale sessions (relative to ``now``) is part of the marker too.
    """
    stale_before = now - timedelta(seconds=stale_after_s)
    sessions = AgentSession.project_id == project_id
    intervals = WorkInterval.project_id == project_id
    query = select(
        select(func.max(AgentSession.last_activity_at)).where(sessions).scalar_subquery(),
        select(func.max(AgentSession.ended_at)).where(sessions).scalar_subquery(),
        select(func.count())
        .select_from(AgentSession)
        .where(
            sessions, AgentSession.ended_at.is_(None), AgentSession.last_activity_at < stale_before
        )
        .scalar_subquery(),
        select(func.max(WorkInterval.started_at)).where(intervals).scalar_subquery(),
        select(func.max(WorkInterval.ended_at)).where(intervals).scalar_subquery(),
        select(func.max(Checkpoint.created_at))
        .where(Checkpoint.project_id == project_id)
        .scalar_subquery(),
        select(func.max(Ticket.updated_at))
        .where(Ticket.project_id == project_id)
        .scalar_subquery(),
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.project_id == project_id)
        .scalar_subquery(),
    )
    row = (await session.execute(query)).one()
    return tuple(row)
