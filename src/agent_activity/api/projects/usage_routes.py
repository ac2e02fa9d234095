"""What each ticket cost, over REST: one ticket's usage and a board's usage per ticket."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from agent_activity.api.activity.deps import CodecDep
from agent_activity.api.activity.schemas import UtcTime
from agent_activity.api.deps import PrincipalDep, ReadSessionDep, RuntimeDep
from agent_activity.api.projects.ticket_routes import describe
from agent_activity.api.projects.usage_schemas import BoardUsageOut, TicketUsageOut
from agent_activity.domain.errors import FieldIssue, Invalid
from agent_activity.domain.tenancy.access import get_project
from agent_activity.domain.tickets import usage
from agent_activity.domain.tickets.cards import get_ticket
from agent_activity.domain.tickets.results import TimelinePage
from agent_activity.domain.tickets.timeline import TimelineWindow, ticket_timeline

router = APIRouter()
Since = Annotated[UtcTime | None, Query(description="Usage from the hour this falls in.")]
Until = Annotated[UtcTime | None, Query(description="Usage up to the end of this hour.")]


@router.get("/{id}/tickets/{ticket}/usage", response_model=TicketUsageOut)
async def ticket_usage(
    id: uuid.UUID,
    ticket: str,
    request: Request,
    principal: PrincipalDep,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    since: Since = None,
    until: Until = None,
) -> usage.TicketUsageView:
    """``ticket`` is a ticket number (``12``) or id."""
    window = usage.Window.of(since, until)
    project = await get_project(session, principal, id)
    found = await get_ticket(session, project.id, ticket)
    describe(request, project, found, "ticket.usage")
    return await usage.ticket_usage(session, found, runtime.now(), window)


@router.get("/{id}/usage", response_model=BoardUsageOut)
async def project_usage(
    id: uuid.UUID,
    request: Request,
    principal: PrincipalDep,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    since: Since = None,
    until: Until = None,
    sort: Annotated[str, Query(description="cost, time or number.")] = "cost",
) -> usage.BoardUsage:
    window = usage.Window.of(since, until)
    project = await get_project(session, principal, id)
    describe(request, project, None, "project.usage")
    return await usage.project_usage(session, project, runtime.now(), window, sort)


@router.get("/{id}/tickets/{ticket}/timeline", response_model=TimelinePage)
async def timeline(
    id: uuid.UUID,
    ticket: str,
    request: Request,
    principal: PrincipalDep,
    session: ReadSessionDep,
    codec: CodecDep,
    since: Annotated[UtcTime | None, Query(description="From this time (inclusive).")] = None,
    until: Annotated[UtcTime | None, Query(description="Up to this time (exclusive).")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Entries per page.")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page.")
    ] = None,
) -> TimelinePage:
    """The ticket's intervals, checkpoints and activity records, oldest first."""
    if since is not None and until is not None and since > until:
        message = "since must not be after until"
        raise Invalid(message, [FieldIssue(("query", "since"), message)])
    project = await get_project(session, principal, id)
    found = await get_ticket(session, project.id, ticket)
    describe(request, project, found, "ticket.timeline")
    window = TimelineWindow(since, until)
    return await ticket_timeline(session, codec, found, window, cursor, limit)
