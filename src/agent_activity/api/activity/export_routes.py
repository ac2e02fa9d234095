"""Exports of the activity log: the org's or a workspace's records for a time range and the
search filters, streamed as NDJSON or CSV with the caller's access (see docs/storage.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from agent_activity.api.activity.deps import check_range
from agent_activity.api.activity.routes import WS, Duration, Text
from agent_activity.api.activity.schemas import UtcTime
from agent_activity.api.deps import PrincipalDep, ReadSessionDep, RuntimeDep
from agent_activity.domain.activity import feeds
from agent_activity.domain.activity.export import MEDIA_TYPES, Format, export_bytes
from agent_activity.domain.activity.query import ActivityFilter

router = APIRouter()


@dataclass(frozen=True)
class ExportParams:
    fmt: Format
    start: datetime | None
    end: datetime | None
    action: str | None
    resource_type: str | None
    user_id: str | None
    success: bool | None
    min_duration_ms: float | None
    max_duration_ms: float | None

    def query(self, org_id: uuid.UUID, workspace_id: uuid.UUID | None) -> ActivityFilter:
        return ActivityFilter(
            org_id,
            workspace_id=str(workspace_id) if workspace_id else None,
            user_id=self.user_id,
            action=self.action,
            resource_type=self.resource_type,
            success=self.success,
            min_duration_ms=self.min_duration_ms,
            max_duration_ms=self.max_duration_ms,
            start=self.start,
            end=self.end,
        )


async def export_params(  # async: no thread-pool hop (see api/deps.py)
    format: Annotated[Format, Query(description="ndjson (default) or csv")] = "ndjson",
    start_time: Annotated[UtcTime | None, Query(description="Records at or after it.")] = None,
    end_time: Annotated[UtcTime | None, Query(description="Records before it.")] = None,
    action: Text = None,
    resource_type: Text = None,
    user_id: Text = None,
    status: Annotated[Literal["success", "error"] | None, Query()] = None,
    min_duration_ms: Duration = None,
    max_duration_ms: Duration = None,
) -> ExportParams:
    check_range(start_time, end_time)
    return ExportParams(
        fmt=format,
        start=start_time,
        end=end_time,
        action=action,
        resource_type=resource_type,
        user_id=user_id,
        success=None if status is None else status == "success",
        min_duration_ms=min_duration_ms,
        max_duration_ms=max_duration_ms,
    )


ExportDep = Annotated[ExportParams, Depends(export_params)]


def stream(runtime: RuntimeDep, query: ActivityFilter, fmt: Format) -> StreamingResponse:
    name = f"activity-{query.org_id}.{fmt}"
    return StreamingResponse(
        export_bytes(runtime.read_sessionmaker, query, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/orgs/{org_id}/activity/export", response_class=StreamingResponse)
async def export_org_activity(
    org_id: uuid.UUID,
    params: ExportDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
) -> StreamingResponse:
    """The org's records, newest first, for a time range and the search filters."""
    await feeds.org_scope(session, principal, org_id)
    return stream(runtime, params.query(org_id, None), params.fmt)


@router.get(WS + "/activity/export", response_class=StreamingResponse)
async def export_workspace_activity(
    org_id: uuid.UUID,
    workspace_id: uuid.UUID,
    params: ExportDep,
    session: ReadSessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
) -> StreamingResponse:
    """A workspace's records, newest first, for a time range and the search filters."""
    await feeds.workspace_scope(session, principal, org_id, workspace_id)
    return stream(runtime, params.query(org_id, workspace_id), params.fmt)
