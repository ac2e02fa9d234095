"""One MCP tool call, end to end: project, session touch, the tool's work, one activity record.

A successful call that changes state commits its effects and the session's new last activity
in one transaction (for a progress report on a live session, one shared with the reports
waiting beside it: domain/presence/progress.py); a read-only call on a session already live on
its project writes nothing itself, and its session's touch is written behind it
(domain/presence/touches.py). Which sessions are live this process mostly remembers
(domain/presence/live.py), so a heartbeat usually runs no query at all. A failed call rolls its
effects back, still touches the session in a second transaction (when the project is usable),
and answers with a tool error whose text says what to fix. A call the SDK rejects before any
tool code runs (bad argument types, an unknown tool) is caught by ``record_unrun_calls``, a
server middleware.

A successful call that changes state stores its activity record in the transaction of its
effects (for a progress report on a live session, in the group commit), so no acknowledged
change is without its record. Every other call (reads, failures) hands its record to the
request log's batching writer, which stores it within ``request_log_flush_interval_s``, as the
REST request log does (see docs/mcp.md).
"""

from __future__ import annotations

import logging
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerMiddleware, ServerRequestContext
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import Implementation
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from starlette.requests import Request

from agent_activity.api.error_handling import refused_text
from agent_activity.api.outage import DatabaseUnavailable, database_unreachable
from agent_activity.db.models import AgentSession
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.errors import DomainError, FieldIssue, Invalid
from agent_activity.domain.presence import sessions as presence
from agent_activity.domain.presence.client import ClientIdentity
from agent_activity.domain.presence.live import LiveSession
from agent_activity.domain.presence.sessions import find_live_session, touch_session
from agent_activity.domain.telemetry.joins import JoinKey, keys_from_meta
from agent_activity.domain.tenancy.access import ProjectRef
from agent_activity.domain.tenancy.principal import READ, Principal
from agent_activity.mcp.call_records import activity_record, submit
from agent_activity.mcp.identity import PROJECT_HEADER, client_identity
from agent_activity.mcp.tool_call import ToolBody, ToolCall
from agent_activity.runtime import Runtime

logger = logging.getLogger("agent_activity.mcp")


@dataclass
class CallState:
    """Shared between the middleware and the tool body of one call."""

    tool: str
    ran: bool = False


_current: ContextVar[CallState | None] = ContextVar("mcp_tool_call", default=None)


def http_request(ctx: ServerRequestContext[Any, Any]) -> Request:
    request = ctx.request
    if not isinstance(request, Request):  # only HTTP is served, so this is a wiring bug
        raise RuntimeError("MCP tool called without an HTTP request")
    return request


def client_info(ctx: ServerRequestContext[Any, Any]) -> Implementation | None:
    params = ctx.session.client_params
    return params.client_info if params is not None else None


def presence_windows(runtime: Runtime) -> tuple[float, float]:
    """The session timeout, and how recently a reconnecting client's session must have been
    active to be continued: the stale threshold (docs/mcp.md, "Sessions")."""
    return runtime.settings.session_timeout_s, runtime.settings.stale_after_s


def project_id_from(request: Request) -> uuid.UUID:
    raw = request.headers.get(PROJECT_HEADER, "").strip()
    hint = "set the X-Project-Id header in your MCP client config to the project's id"
    if not raw:
        raise Invalid(f"No project: {hint}", [FieldIssue(("X-Project-Id",), "required")])
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Invalid(
            f"X-Project-Id {raw[:80]!r} is not a UUID: {hint}",
            [FieldIssue(("X-Project-Id",), "not a UUID")],
        ) from None


async def run_tool(
    runtime: Runtime,
    ctx: Context[Any, Any],
    tool: str,
    body: ToolBody,
    scope: str = READ,
    live_body: ToolBody | None = None,
) -> dict[str, Any]:
    """Run ``body`` as tool ``tool`` for the caller of ``ctx``; see the module docstring.

    ``live_body``, for a tool that changes state, is what to run instead when the caller's
    session is already live on its project: it stores its own writes, the session's touch
    included (``call.touch()``), and ``run_tool`` commits nothing.
    """
    state = _current.get()
    if state is not None:
        state.ran = True
    rctx = ctx.request_context
    request = http_request(rctx)
    principal: Principal = request.state.principal
    started = time.perf_counter()
    now = runtime.now()
    try:
        # A call on a session live on its project runs on a reader: it writes nothing itself.
        # A read-only call's touch is written behind it (domain/presence/touches.py), a live
        # body stores its writes through a writer of its own (the group commit), so the new
        # last activity set here is only what the tool answers with.
        async with runtime.read_sessionmaker() as reads:
            project = await runtime.projects.get(reads, principal, project_id_from(request), scope)
            identity = client_identity(request, client_info(rctx), principal, project.id)
            call = None
            if scope == READ or live_body is not None:
                call = await live_call(runtime, reads, principal, project, identity, now)
            if call is not None:
                call.tool, call.started = tool, started
                # Set as if read: never flushed by the reader's commit (a read-only connection).
                latest = max(now, call.agent.last_activity_at)
                set_committed_value(call.agent, "last_activity_at", latest)
                if live_body is None:
                    runtime.touches.submit(call.touch())
                    result = await body(call)
                else:
                    result = await live_body(call)
                remember(runtime, call, was_live=True)
        if call is None:
            # The writer, after the reader closed: a call holds one connection at a time.
            async with runtime.sessionmaker() as db:
                touched = await touch_session(
                    db, principal, project, identity, now, *presence_windows(runtime)
                )
                call = ToolCall(db, principal, project, touched.agent, now, runtime, identity)
                call.tool, call.started = tool, started
                if touched.nothing_open:
                    call.nothing_open = call.work_known = True  # and call.work is None
                result = await body(call)
                await call.open_interval()  # its ticket, for the call's record
                audit = call.audit() if scope != READ else None
                if audit is not None:
                    await write_activity_records(db, [audit])
                await db.commit()
            remember(runtime, call, touched.was_live)
        if not call.recorded:
            record = activity_record(principal, tool, started, now, project, call.agent, None)
            record.update(
                resource_type=call.resource_type,
                resource_id=call.resource_id,
                ticket_id=call.ticket_id(),
            )
            submit(runtime, record)
        remember_telemetry_ids(runtime, principal, call.agent.id, rctx.meta)
        return result
    except DomainError as error:
        await record_failure(runtime, rctx, tool, started, now, error)
        raise ToolError(f"{tool} failed: {error.message}") from None
    except Exception as error:
        refusal = refused_text(error)  # a NUL in an argument, refused by PostgreSQL
        if refusal is not None:
            await record_failure(runtime, rctx, tool, started, now, refusal)
            raise ToolError(f"{tool} failed: {refusal.issues[0].message}") from None
        if database_unreachable(error):
            logger.warning("MCP tool %s: database unreachable: %s", tool, error)
            raise ToolError(f"{tool} failed: {DatabaseUnavailable().message}") from None
        logger.exception("MCP tool %s crashed", tool)
        await record_failure(runtime, rctx, tool, started, now, error)
        raise ToolError(f"{tool} failed: an unexpected error occurred") from None


async def live_call(
    runtime: Runtime,
    db: AsyncSession,
    principal: Principal,
    project: ProjectRef,
    identity: ClientIdentity,
    now: datetime,
) -> ToolCall | None:
    """The call on the caller's live session, from memory or by one read; None when the
    session is not live on this project (the caller then takes the write path)."""
    live = runtime.live_sessions.get(
        identity.session_key, principal.org_id, principal.token_id, project.id, now
    )
    if live is not None:
        call = ToolCall(db, principal, project, live.agent_row(), now, runtime, identity)
        call.remembered = live
        return call
    timeout_s = runtime.settings.session_timeout_s
    found = await find_live_session(db, principal, project, identity, now, timeout_s)
    if found is None:
        return None
    call = ToolCall(db, principal, project, found[0], now, runtime, identity)
    call.work, call.work_known = found[1], True
    return call


def remember(runtime: Runtime, call: ToolCall, was_live: bool) -> None:
    """Keep this process's memory of the session (domain/presence/live.py) as the call left it."""
    key = call.agent.session_key
    if call.work_changed or (call.remembered is None and call.work_known):
        runtime.live_sessions.put(LiveSession.of(call.agent, call.work))
    elif was_live:
        runtime.live_sessions.touched(key, call.agent.last_activity_at)
    else:
        runtime.live_sessions.forget(key)  # created, revived or moved: read it afresh


async def record_failure(
    runtime: Runtime,
    rctx: ServerRequestContext[Any, Any],
    tool: str,
    started: float,
    now: datetime,
    error: Exception,
) -> None:
    """In a fresh transaction: touch the caller's session if its project is usable; record."""
    request = http_request(rctx)
    principal: Principal = request.state.principal
    project: ProjectRef | None = None
    agent: AgentSession | None = None
    ticket_id: str | None = None
    try:
        async with runtime.sessionmaker() as db:
            project = await runtime.projects.get(db, principal, project_id_from(request))
            identity = client_identity(request, client_info(rctx), principal, project.id)
            touched = await touch_session(
                db, principal, project, identity, now, *presence_windows(runtime)
            )
            work = None if touched.nothing_open else await presence.open_interval(db, touched.agent)
            await db.commit()
            agent = touched.agent
            ticket_id = str(work.ticket_id) if work is not None and work.ticket_id else None
            if not touched.was_live:
                runtime.live_sessions.forget(agent.session_key)
    except DomainError:
        pass  # no usable project or session: the record alone tells what happened
    except Exception:
        # A broken database must not hide the tool's own error from the caller.
        logger.exception("could not touch the session of the failed MCP call %s", tool)
    record = activity_record(principal, tool, started, now, project, agent, error)
    record["ticket_id"] = ticket_id  # a failed call counts as a failed one on the ticket
    submit(runtime, record)


def remember_telemetry_ids(
    runtime: Runtime, principal: Principal, agent_id: uuid.UUID, meta: Any
) -> None:
    """The ids in this call's ``_meta`` that the agent's telemetry repeats, written behind the
    call (domain/telemetry/joins.py), so its telemetry joins this session."""
    for key in keys_from_meta(dict(meta) if meta else None):
        runtime.telemetry_joins.submit(JoinKey(principal.org_id, key, agent_id))


class UnrunCallError(Invalid):
    """The SDK refused the call before our tool ran: unknown tool or ill-typed arguments."""

    code = "INVALID_ARGUMENTS"


def record_unrun_calls(runtime: Runtime) -> ServerMiddleware[Any]:
    """Server middleware: a tools/call the SDK answered without running our tool still counts."""

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method != "tools/call":
            return await call_next(ctx)
        name = str((ctx.params or {}).get("name", ""))[:60] or "unknown"
        state = CallState(tool=name)
        token = _current.set(state)
        started = time.perf_counter()
        now = runtime.now()
        try:
            result = await call_next(ctx)
        except Exception as error:
            if not state.ran:
                await record_failure(runtime, ctx, name, started, now, error)
            raise
        finally:
            _current.reset(token)
        if not state.ran:
            await record_failure(
                runtime,
                ctx,
                name,
                started,
                now,
                UnrunCallError(f"{name}: call rejected before running"),
            )
        return result

    return middleware
