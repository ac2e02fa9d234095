"""The feeds, search and summaries of the activity log (spec file 004): who may read which part,
and the page or summary they get.

Access: another org's id is reported missing (404); inside the org, a feed under a workspace
needs read on that workspace, the org feed and another user's org-wide feed need read on the org,
and everyone may read their own activity (``me``, or their own user id).

Ids below the workspace (apps, endpoints, augmentations, resources, users) are matched as
recorded, not looked up: the log outlives what it describes and ingested records name things
from other systems. They are always matched together with the workspace of the path, so a role
on one workspace never shows records of another.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import Workspace
from agent_activity.db.reads import read_many
from agent_activity.domain.activity.cursor import CursorCodec
from agent_activity.domain.activity.query import ActivityFilter, page_of, page_read
from agent_activity.domain.activity.results import ActivityPage, ActivitySummary
from agent_activity.domain.activity.rollups import hour_of
from agent_activity.domain.activity.summaries import count_reads, group_stats
from agent_activity.domain.errors import NotFound
from agent_activity.domain.tenancy.access import check_org_access, get_workspace
from agent_activity.domain.tenancy.principal import READ, Principal

MICROSECOND = timedelta(microseconds=1)


def check_org(principal: Principal, org_id: uuid.UUID) -> None:
    if org_id != principal.org_id:
        raise NotFound("org", org_id)


async def org_scope(session: AsyncSession, principal: Principal, org_id: uuid.UUID) -> None:
    """Raise unless the caller may read the whole org's activity."""
    check_org(principal, org_id)
    check_org_access(principal, org_id, READ)


async def workspace_scope(
    session: AsyncSession, principal: Principal, org_id: uuid.UUID, workspace_id: uuid.UUID
) -> None:
    """Raise unless the caller may read the workspace's activity."""
    check_org(principal, org_id)
    await get_workspace(session, principal, workspace_id, READ, org_id=org_id)


async def user_scope(
    session: AsyncSession,
    principal: Principal,
    org_id: uuid.UUID,
    user_id: str,
    workspace_id: uuid.UUID | None,
) -> None:
    """Raise unless the caller may read this user's activity (in one workspace, if given)."""
    check_org(principal, org_id)
    if user_id == str(principal.principal_id):
        principal.require_scope(READ)
        if workspace_id is not None:
            await get_workspace_or_self(session, principal, org_id, workspace_id)
        return
    if workspace_id is not None:
        await get_workspace(session, principal, workspace_id, READ, org_id=org_id)
    else:
        check_org_access(principal, org_id, READ)


async def get_workspace_or_self(
    session: AsyncSession, principal: Principal, org_id: uuid.UUID, workspace_id: uuid.UUID
) -> None:
    """Own records need no role on the workspace, but the workspace must be the org's."""
    workspace = await session.get(Workspace, workspace_id)
    if workspace is None or workspace.org_id != org_id:
        raise NotFound("workspace", workspace_id)


async def read_feed(
    session: AsyncSession,
    codec: CursorCodec,
    query: ActivityFilter,
    cursor: str | None,
    limit: int,
) -> ActivityPage:
    """One page of ``query``, newest first."""
    fingerprint = query.fingerprint()
    after = codec.decode(cursor, fingerprint) if cursor else None
    count = count_reads(query)
    rows, *counted = await read_many(session, page_read(query, after, limit), *count.reads)
    page = page_of(rows, limit)
    return ActivityPage.model_validate(
        {
            "total": count.combine(counted),
            "has_more": page.last is not None,
            "next_cursor": codec.encode(page.last, fingerprint) if page.last else None,
            "activities": page.activities,
        }
    )


async def summarise(
    session: AsyncSession,
    query: ActivityFilter,
    now: datetime,
    hours: int,
    exclude_dashboard_reads: bool = False,
) -> ActivitySummary:
    """Totals of ``query`` from the top of the hour ``hours`` hours ago up to and including
    ``now``: at least ``hours`` hours, at most one more. Starting on the hour lets the whole
    window come from the hourly rollups, so a summary costs the same at any size of the log.
    ``exclude_dashboard_reads`` leaves out the dashboard's own reads, from their rollups too."""
    if exclude_dashboard_reads:
        query = replace(query, via_dashboard=False)
    start = hour_of(now - timedelta(hours=hours))
    # The window is [start, now]; queries take [start, end), and times have microsecond steps.
    groups = await group_stats(session, replace(query, start=start, end=now + MICROSECOND), now=now)
    requests = sum(s.requests for s in groups.values())
    successes = sum(s.successes for s in groups.values())
    duration_sum = sum(s.duration_sum_ms for s in groups.values())
    duration_count = sum(s.duration_count for s in groups.values())
    by_action: dict[str, int] = {}
    by_resource: dict[str, int] = {}
    for (action, resource_type), stats in groups.items():
        if action:
            by_action[action] = by_action.get(action, 0) + stats.requests
        if resource_type:
            by_resource[resource_type] = by_resource.get(resource_type, 0) + stats.requests
    return ActivitySummary(
        total_requests=requests,
        successful_requests=successes,
        failed_requests=requests - successes,
        avg_duration_ms=round(duration_sum / duration_count, 3) if duration_count else 0.0,
        total_tokens_used=sum(s.tokens for s in groups.values()),
        by_action=dict(sorted(by_action.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_resource=dict(sorted(by_resource.items(), key=lambda kv: (-kv[1], kv[0]))),
        start_time=start.isoformat(timespec="microseconds"),
        end_time=now.isoformat(timespec="microseconds"),
    )
