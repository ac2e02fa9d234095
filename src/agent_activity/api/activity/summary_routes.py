"""The summaries of file 004: totals over the last ``hours`` hours, from the hourly rollups, and
(an addition) without the dashboard's own reads when asked."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path

from agent_activity.api.activity.deps import ExcludeDashboardReads, Hours
from agent_activity.api.deps import PrincipalDep, ReadSessionDep, RuntimeDep
from agent_activity.domain.activity import feeds
from agent_activity.domain.activity.query import ActivityFilter
from agent_activity.domain.activity.results import ActivitySummary

router = APIRouter()

Id = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/orgs/{org_id}/activity/summary", response_model=ActivitySummary)
async def get_org_activity_summary(
    org_id: uuid.UUID,
    runtime: RuntimeDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    hours: Hours = 24,
    exclude_dashboard_reads: ExcludeDashboardReads = False,
) -> ActivitySummary:
    await feeds.org_scope(session, principal, org_id)
    return await feeds.summarise(
        session, ActivityFilter(org_id), runtime.now(), hours, exclude_dashboard_reads
    )


@router.get(
    "/orgs/{org_id}/workspaces/{workspace_id}/activity/summary", response_model=ActivitySummary
)
async def get_workspace_activity_summary(
    org_id: uuid.UUID,
    workspace_id: uuid.UUID,
    runtime: RuntimeDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    hours: Hours = 24,
    exclude_dashboard_reads: ExcludeDashboardReads = False,
) -> ActivitySummary:
    await feeds.workspace_scope(session, principal, org_id, workspace_id)
    query = ActivityFilter(org_id, workspace_id=str(workspace_id))
    return await feeds.summarise(session, query, runtime.now(), hours, exclude_dashboard_reads)


@router.get("/orgs/{org_id}/users/{user_id}/activity/summary", response_model=ActivitySummary)
async def get_user_activity_summary(
    org_id: uuid.UUID,
    user_id: Id,
    runtime: RuntimeDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    hours: Hours = 24,
    exclude_dashboard_reads: ExcludeDashboardReads = False,
) -> ActivitySummary:
    await feeds.user_scope(session, principal, org_id, user_id, None)
    query = ActivityFilter(org_id, user_id=user_id)
    return await feeds.summarise(session, query, runtime.now(), hours, exclude_dashboard_reads)


@router.get(
    "/orgs/{org_id}/workspaces/{workspace_id}/apps/{app_id}/endpoints/{endpoint_id}"
    "/activity/summary",
    response_model=ActivitySummary,
)
async def get_endpoint_activity_summary(
    org_id: uuid.UUID,
    workspace_id: uuid.UUID,
    app_id: Id,
    endpoint_id: Id,
    runtime: RuntimeDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    hours: Hours = 24,
    exclude_dashboard_reads: ExcludeDashboardReads = False,
) -> ActivitySummary:
    await feeds.workspace_scope(session, principal, org_id, workspace_id)
    query = ActivityFilter(
        org_id, workspace_id=str(workspace_id), app_id=app_id, endpoint_id=endpoint_id
    )
    return await feeds.summarise(session, query, runtime.now(), hours, exclude_dashboard_reads)


@router.get("/orgs/{org_id}/me/activity/summary", response_model=ActivitySummary)
async def get_my_activity_summary(
    org_id: uuid.UUID,
    runtime: RuntimeDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    hours: Hours = 24,
    exclude_dashboard_reads: ExcludeDashboardReads = False,
) -> ActivitySummary:
    me = str(principal.principal_id)
    await feeds.user_scope(session, principal, org_id, me, None)
    query = ActivityFilter(org_id, user_id=me)
    return await feeds.summarise(session, query, runtime.now(), hours, exclude_dashboard_reads)
