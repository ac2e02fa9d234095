"""The feeds and the search of file 004: translate HTTP to domain calls and back; no SQL here."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.api.activity.deps import CodecDep, PageDep, PageParams, check_range
from agent_activity.api.deps import PrincipalDep, ReadSessionDep
from agent_activity.domain.activity import feeds
from agent_activity.domain.activity.cursor import CursorCodec
from agent_activity.domain.activity.query import ActivityFilter
from agent_activity.domain.activity.results import ActivityPage

router = APIRouter()

Id = Annotated[str, Path(min_length=1, max_length=64)]
LongId = Annotated[str, Path(min_length=1, max_length=128)]
WorkspaceFilter = Annotated[uuid.UUID | None, Query(description="Filter by workspace")]
WS = "/orgs/{org_id}/workspaces/{workspace_id}"


async def respond(
    session: AsyncSession, codec: CursorCodec, query: ActivityFilter, page: PageParams
) -> ActivityPage:
    check_range(page.start, page.end)
    own_reads = False if page.exclude_dashboard_reads else None
    ranged = replace(query, start=page.start, end=page.end, via_dashboard=own_reads)
    return await feeds.read_feed(session, codec, ranged, page.cursor, page.limit)


@router.get("/orgs/{org_id}/activity", response_model=ActivityPage)
async def get_org_activity(
    org_id: uuid.UUID,
    page: PageDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    codec: CodecDep,
    ticket_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Records of one ticket")
    ] = None,
) -> ActivityPage:
    await feeds.org_scope(session, principal, org_id)
    return await respond(session, codec, ActivityFilter(org_id, ticket_id=ticket_id), page)


@router.get(WS + "/activity", response_model=ActivityPage)
async def get_workspace_activity(
    org_id: uuid.UUID,
    workspace_id: uuid.UUID,
    page: PageDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    codec: CodecDep,
) -> ActivityPage:
    await feeds.workspace_scope(session, principal, org_id, workspace_id)
    query = ActivityFilter(org_id, workspace_id=str(workspace_id))
    return await respond(session, codec, query, page)


@router.get("/orgs/{org_id}/users/{user_id}/activity", response_model=ActivityPage)
async def get_user_activity(
    org_id: uuid.UUID,
    user_id: Id,
    page: PageDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    codec: CodecDep,
    workspace_id: WorkspaceFilter = None,
) -> ActivityPage:
    await feeds.user_scope(session, principal, org_id, user_id, workspace_id)
    workspace = str(workspace_id) if workspace_id else None
    query = ActivityFilter(org_id, user_id=user_id, workspace_id=workspace)
    return await respond(session, codec, query, page)


@router.get("/orgs/{org_id}/me/activity", response_model=ActivityPage)
async def get_my_activity(
    org_id: uuid.UUID,
    page: PageDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    codec: CodecDep,
    workspace_id: WorkspaceFilter = None,
) -> ActivityPage:
    me = str(principal.principal_id)
    await feeds.user_scope(session, principal, org_id, me, workspace_id)
    workspace = str(workspace_id) if workspace_id else None
    query = ActivityFilter(org_id, user_id=me, workspace_id=workspace)
    return await respond(session, codec, query, page)


@router.get(WS + "/apps/{app_id}/activity", response_model=ActivityPage)
async def get_app_activity(
    org_id: uuid.UUID,
    workspace_id: uuid.UUID,
    app_id: Id,
    page: PageDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    codec: CodecDep,
) -> ActivityPage:
    await feeds.workspace_scope(session, principal, org_id, workspace_id)
    query = ActivityFilter(org_id, workspace_id=str(workspace_id), app_id=app_id)
    return await respond(session, codec, query, page)


@router.get(WS + "/apps/{app_id}/endpoints/{endpoint_id}/activity", response_model=ActivityPage)
async def get_endpoint_activity(
    org_id: uuid.UUID,
    workspace_id: uuid.UUID,
    app_id: Id,
    endpoint_id: Id,
    page: PageDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    codec: CodecDep,
) -> ActivityPage:
    await feeds.workspace_scope(session, principal, org_id, workspace_id)
    query = ActivityFilter(
        org_id, workspace_id=str(workspace_id), app_id=app_id, endpoint_id=endpoint_id
    )
    return await respond(session, codec, query, page)


@router.get(WS + "/augmentations/{augmentation_id}/activity", response_model=ActivityPage)
async def get_augmentation_activity(
    org_id: uuid.UUID,
    workspace_id: uuid.UUID,
    augmentation_id: Id,
    page: PageDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    codec: CodecDep,
) -> ActivityPage:
    await feeds.workspace_scope(session, principal, org_id, workspace_id)
    query = ActivityFilter(org_id, workspace_id=str(workspace_id), augmentation_id=augmentation_id)
    return await respond(session, codec, query, page)


@router.get(WS + "/activity/actions/{action}", response_model=ActivityPage)
async def get_action_activity(
    org_id: uuid.UUID,
    workspace_id: uuid.UUID,
    action: Id,
    page: PageDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    codec: CodecDep,
) -> ActivityPage:
    await feeds.workspace_scope(session, principal, org_id, workspace_id)
    query = ActivityFilter(org_id, workspace_id=str(workspace_id), action=action)
    return await respond(session, codec, query, page)


@router.get(WS + "/resources/{resource_id}/activity", response_model=ActivityPage)
async def get_resource_activity(
    org_id: uuid.UUID,
    workspace_id: uuid.UUID,
    resource_id: LongId,
    page: PageDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    codec: CodecDep,
) -> ActivityPage:
    await feeds.workspace_scope(session, principal, org_id, workspace_id)
    query = ActivityFilter(org_id, workspace_id=str(workspace_id), resource_id=resource_id)
    return await respond(session, codec, query, page)


Text = Annotated[str | None, Query(min_length=1, max_length=64)]
LongText = Annotated[str | None, Query(min_length=1, max_length=128)]
Duration = Annotated[float | None, Query(ge=0, allow_inf_nan=False)]


@router.get(WS + "/activity/search", response_model=ActivityPage)
async def search_workspace_activity(
    org_id: uuid.UUID,
    workspace_id: uuid.UUID,
    page: PageDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    codec: CodecDep,
    action: Text = None,
    resource_type: Text = None,
    user_id: Text = None,
    status: Annotated[Literal["success", "error"] | None, Query()] = None,
    min_duration_ms: Duration = None,
    max_duration_ms: Duration = None,
    ticket_id: Text = None,
    agent_session_id: LongText = None,
) -> ActivityPage:
    """Filter by action, resource type, user, outcome, duration, ticket and agent session; all
    filters combine (AND)."""
    await feeds.workspace_scope(session, principal, org_id, workspace_id)
    query = ActivityFilter(
        org_id,
        workspace_id=str(workspace_id),
        user_id=user_id,
        action=action,
        resource_type=resource_type,
        success=None if status is None else status == "success",
        min_duration_ms=min_duration_ms,
        max_duration_ms=max_duration_ms,
        ticket_id=ticket_id,
        agent_session_id=agent_session_id,
    )
    return await respond(session, codec, query, page)
