"""The dashboard's JSON routes under ``/ui/api``: its own listings, the live stream, the proxy.

The spec has no "what may I see" listing nor a time series of activity, so those two are the
dashboard's own (queries in ``domain/tenancy/directory.py``); the rest is proxied to the APIs.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response, StreamingResponse

from agent_activity.domain.tenancy import directory
from agent_activity.domain.tenancy.access import get_project
from agent_activity.domain.tenancy.principal import TOKEN_USAGE, WRITE
from agent_activity.domain.tickets.cards import get_ticket
from agent_activity.domain.tickets.cost_series import ticket_cost_series
from agent_activity.runtime import Runtime
from agent_activity.web.live import board_events, ticket_events
from agent_activity.web.proxy import Proxy
from agent_activity.web.session import SessionCookies

TicketRef = Annotated[str, Path(min_length=1, max_length=64, description="Number or id")]


def build_api_router(runtime: Runtime, cookies: SessionCookies, proxy: Proxy) -> APIRouter:
    router = APIRouter(prefix="/ui/api")

    @router.get("/me")
    async def me(request: Request) -> dict[str, Any]:
        """Who is signed in and everything they may pick: workspaces, projects, agents, ..."""
        principal = (await cookies.authenticate(request)).principal
        async with runtime.read_sessionmaker() as session:
            found = await directory.load_directory(session, principal)
        return {
            "org": {"id": str(found.org.id), "name": found.org.name},
            "principal": {
                "type": principal.principal_type,
                "id": str(principal.principal_id),
                "scopes": sorted(principal.scopes),
            },
            "user_id": str(principal.principal_id) if principal.is_user else None,
            "can_write": principal.has_scope(WRITE),
            "can_see_token_usage": principal.has_scope(TOKEN_USAGE),
            "stale_after_s": runtime.settings.stale_after_s,
            "now": runtime.now().isoformat(),
            "workspaces": [{"id": str(w.id), "name": w.name} for w in found.workspaces],
            "projects": [
                {
                    "id": str(p.id),
                    "name": p.name,
                    "workspace_id": str(p.workspace_id),
                    "board_columns": p.board_columns,
                }
                for p in found.projects
            ],
            "agents": [
                {
                    "id": str(a.id),
                    "name": a.name,
                    "workspace_id": str(a.workspace_id) if a.workspace_id else None,
                }
                for a in found.agents
            ],
            "apps": [
                {"id": str(a.id), "name": a.name, "workspace_id": str(a.workspace_id)}
                for a in found.apps
            ],
            "users": [{"id": str(u.id), "name": u.name} for u in found.users],
        }

    @router.get("/activity/series")
    async def activity_series(
        request: Request,
        level: str = Query(description="org, workspace, user or app"),
        id: str = Query(min_length=1, max_length=64, description="Id at that level"),
        hours: int = Query(24, ge=1, le=168),
        exclude_dashboard_reads: bool = Query(False, description="Leave out its own reads."),
    ) -> dict[str, Any]:
        """Requests, successes and tokens over time, by action and by resource type."""
        principal = (await cookies.authenticate(request)).principal
        async with runtime.read_sessionmaker() as session:
            series = await directory.activity_series(
                session,
                principal,
                level=level,
                scope_id=id,
                hours=hours,
                now=runtime.now(),
                exclude_dashboard_reads=exclude_dashboard_reads,
            )
        buckets = [
            {
                "start": b.start.isoformat(),
                "requests": b.requests,
                "successes": b.successes,
                "failures": b.requests - b.successes,
                "tokens": b.tokens,
            }
            for b in series.buckets
        ]
        return {
            "level": series.level,
            "id": series.scope_id,
            "start_time": series.start.isoformat(),
            "end_time": series.end.isoformat(),
            "bucket_hours": series.bucket_hours,
            "buckets": buckets,
            "total_requests": sum(b.requests for b in series.buckets),
            "successful_requests": sum(b.successes for b in series.buckets),
            "total_tokens": sum(b.tokens for b in series.buckets),
            "by_action": series.by_action,
            "by_resource": series.by_resource,
        }

    @router.get("/projects/{project_id}/events")
    async def project_events(project_id: uuid.UUID, request: Request) -> StreamingResponse:
        """Server-sent ``change`` events whenever the project's board changes."""
        return await board_events(runtime, cookies, request, project_id)

    @router.get("/projects/{project_id}/tickets/{ticket}/cost-series")
    async def cost_series(
        project_id: uuid.UUID, request: Request, ticket: TicketRef
    ) -> dict[str, Any]:
        """The ticket's cost per hour that counted anything, oldest first, for its chart."""
        principal = (await cookies.authenticate(request)).principal
        async with runtime.sessionmaker() as session:
            project = await get_project(session, principal, project_id)
            found = await get_ticket(session, project.id, ticket)
            series = await ticket_cost_series(session, found)
        return {
            "ticket_id": str(found.id),
            "ticket_number": found.number,
            "earlier_cost_usd": series.earlier_cost_usd,
            "truncated": series.truncated,
            "points": [
                {
                    "start": point.start.isoformat(),
                    "cost_usd": point.cost_usd,
                    "tokens": point.tokens,
                    "model_requests": point.model_requests,
                    "tool_calls": point.tool_calls,
                }
                for point in series.points
            ],
        }

    @router.get("/projects/{project_id}/tickets/{ticket}/events")
    async def ticket_page_events(
        project_id: uuid.UUID, request: Request, ticket: TicketRef
    ) -> StreamingResponse:
        """Server-sent ``change`` events whenever something the ticket's page shows changes."""
        return await ticket_events(runtime, cookies, request, project_id, ticket)

    @router.api_route("/{target:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def forward(target: str, request: Request) -> Response:
        """Everything else: ``/ui/api/projects|agents|v1/...`` -> the public API."""
        return await proxy.forward(request, target)

    return router
