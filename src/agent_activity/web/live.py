"""Live board and ticket page updates as server-sent events, polled from the database.

An MCP tool call may be served by any process on the same database, so in-process events would
miss most of them. Instead each open stream asks the database one cheap question per second
(``board_marker``: a handful of indexed max/count lookups) and tells the browser to refetch when
the answer changes. Updates therefore arrive within about one poll interval of the call. A
ticket's page asks ``ticket_marker`` instead, which adds the ticket's newest activity record
and usage counters to the board's marker.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import StreamingResponse

from agent_activity.domain.errors import DomainError
from agent_activity.domain.tenancy.access import get_project
from agent_activity.domain.tenancy.directory import board_marker
from agent_activity.domain.tenancy.tokens import authenticate
from agent_activity.domain.tickets.cards import get_ticket
from agent_activity.domain.tickets.page_marker import ticket_marker
from agent_activity.runtime import Runtime
from agent_activity.web.session import SessionCookies

POLL_INTERVAL_S = 1.0
# A comment line this often keeps proxies and load balancers from closing an idle stream.
KEEPALIVE_S = 15.0
# How often (on the service clock) the token behind the stream is checked again.
RECHECK_S = 30.0


def frame(event: str, data: dict[str, object]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


Marker = Callable[[AsyncSession, datetime], Awaitable[tuple[object, ...]]]


async def board_events(
    runtime: Runtime, cookies: SessionCookies, request: Request, project_id: uuid.UUID
) -> StreamingResponse:
    signed_in = await cookies.authenticate(request)
    async with runtime.sessionmaker() as session:
        await get_project(session, signed_in.principal, project_id)
    stale_after_s = runtime.settings.stale_after_s

    async def marker(session: AsyncSession, now: datetime) -> tuple[object, ...]:
        return await board_marker(session, project_id, now, stale_after_s)

    return event_stream(runtime, signed_in.token, project_id, marker)


async def ticket_events(
    runtime: Runtime,
    cookies: SessionCookies,
    request: Request,
    project_id: uuid.UUID,
    ticket_ref: str,
) -> StreamingResponse:
    signed_in = await cookies.authenticate(request)
    async with runtime.sessionmaker() as session:
        project = await get_project(session, signed_in.principal, project_id)
        ticket = await get_ticket(session, project.id, ticket_ref)
    stale_after_s = runtime.settings.stale_after_s

    async def marker(session: AsyncSession, now: datetime) -> tuple[object, ...]:
        return await ticket_marker(session, ticket, now, stale_after_s)

    return event_stream(runtime, signed_in.token, project_id, marker)


def event_stream(
    runtime: Runtime, token: str, project_id: uuid.UUID, marker_of: Marker
) -> StreamingResponse:
    """``change`` whenever ``marker_of`` answers something new; ``signed-out`` once the token
    may no longer read the project."""

    async def stream() -> AsyncIterator[str]:
        marker: tuple[object, ...] | None = None
        since_keepalive = 0.0
        checked_at = runtime.now()
        yield "retry: 2000\n\n"
        while True:
            now = runtime.now()
            refused: str | None = None
            async with runtime.sessionmaker() as session:
                current = await marker_of(session, now)
                if (now - checked_at).total_seconds() >= RECHECK_S:
                    checked_at = now
                    try:
                        principal = await authenticate(session, token, now)
                        await get_project(session, principal, project_id)
                    except DomainError as error:
                        refused = error.message
            if refused is not None:
                yield frame("signed-out", {"reason": refused})
                return
            if current != marker:
                yield frame("change", {"now": now.isoformat(), "first": marker is None})
                marker = current
                since_keepalive = 0.0
            elif since_keepalive >= KEEPALIVE_S:
                yield ": keepalive\n\n"
                since_keepalive = 0.0
            await asyncio.sleep(POLL_INTERVAL_S)
            since_keepalive += POLL_INTERVAL_S

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
