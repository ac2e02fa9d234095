"""build_mcp(runtime): the ASGI endpoint served at /mcp and the context manager that runs it.

The official SDK's session manager serves both kinds of client: 2026-07-28 requests (no
handshake, client info in every request) and legacy ones that ``initialize`` and then send
``Mcp-Session-Id``. In front of it sits authentication with the same bearer tokens as the REST
APIs (401 without one) and the same per-token rate limit (429). Responses are JSON rather than
SSE because no tool streams. The run context also starts the periodic sweep that ends sessions
silent past the timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from agent_activity.api.deps import authenticate_request
from agent_activity.api.error_handling import (
    CatchAllMiddleware,
    HttpProblem,
    http_code,
    status_for,
    with_headers,
)
from agent_activity.api.outage import DatabaseUnavailable, database_unreachable
from agent_activity.api.projects.errors import render
from agent_activity.domain.errors import DomainError, RateLimited, Unauthenticated
from agent_activity.domain.presence.sessions import SWEEP_BATCH, expire_sessions
from agent_activity.mcp.calls import record_unrun_calls
from agent_activity.mcp.legacy import LegacySessions, is_legacy
from agent_activity.mcp.tools import register_tools
from agent_activity.mcp.unauthorized import refuse
from agent_activity.runtime import Runtime

logger = logging.getLogger("agent_activity.mcp")

INSTRUCTIONS = (
    "Agent Activity shows your team what you are working on. Call start_work(ticket, role) "
    "when you pick up a ticket, report_progress now and then, stop_work when done; any tool "
    "call keeps you present (heartbeat if you have nothing else to say)."
)


@dataclass
class McpEndpoint:
    asgi: Any  # the ASGI app to route /mcp to
    manager: StreamableHTTPSessionManager
    runtime: Runtime

    @contextlib.asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        """Run inside the app's lifespan: the SDK's session manager, then the sweeper.

        Both live in one dedicated task that owns their cancel scopes, because the code that
        enters a lifespan is not always the task that leaves it (test fixtures, for one).
        """
        started = asyncio.Event()
        stopping = asyncio.Event()

        async def host() -> None:
            async with self.manager.run(), anyio.create_task_group() as tasks:
                tasks.start_soon(sweep_forever, self.runtime)
                started.set()
                await stopping.wait()
                tasks.cancel_scope.cancel()

        task = asyncio.create_task(host(), name="mcp-session-manager")
        waiter = asyncio.create_task(started.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if not started.is_set():
            waiter.cancel()
            await task  # it ended before starting: raise its error here
        try:
            yield
        finally:
            stopping.set()
            await task


def build_mcp(runtime: Runtime) -> McpEndpoint:
    server: MCPServer[Any] = MCPServer(
        "agent-activity",
        instructions=INSTRUCTIONS,
        version="0.1.0",
        log_level="WARNING",
        middleware=[record_unrun_calls(runtime)],
    )
    register_tools(server, runtime)
    server.streamable_http_app(
        json_response=True,
        # Callers prove themselves with bearer tokens, which a DNS-rebinding page cannot
        # send, so the Host/Origin allow-list would only break deployments behind a name.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        # Every request is served on its own: legacy sessions live in their signed ids
        # (mcp/sessions.py), so any process can serve any request.
        stateless_http=True,
    )
    manager = server.session_manager
    # An unexpected error (a broken table, a bug) is the project family's 500, logged once,
    # rather than uvicorn's plain-text one.
    endpoint = CatchAllMiddleware(Authenticated(runtime, manager), render=answer)
    return McpEndpoint(endpoint, manager, runtime)


def answer(_scope: Scope, error: DomainError) -> Response:
    """A refusal of /mcp in the project family's shape, with its Retry-After if it has one."""
    return with_headers(render(error, status_for(error)), error)


class Authenticated:
    """ASGI: authenticate and rate-limit, then hand the request to the SDK."""

    def __init__(self, runtime: Runtime, manager: StreamableHTTPSessionManager) -> None:
        self.runtime = runtime
        self.manager = manager
        self.legacy_sessions = LegacySessions(runtime)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        now = self.runtime.now()
        try:
            principal = await authenticate_request(self.runtime, request)
            await self.runtime.rate_limiter.hit(f"token:{principal.token_id}", now)
        except Unauthenticated as error:
            await refuse(request, error)(scope, receive, send)
            return
        except RateLimited as error:
            response = with_headers(render(error, status_for(error)), error)
            await response(scope, receive, send)
            return
        except Exception as error:
            if not database_unreachable(error):
                raise
            logger.warning("database unreachable on /mcp: %s", error)
            unavailable = DatabaseUnavailable()
            await with_headers(render(unavailable, 503), unavailable)(scope, receive, send)
            return
        try:
            # Read here, where a refusal can take the family's shape: the SDK would answer 500.
            body = await request.body()
        except StarletteHTTPException as error:
            problem = HttpProblem(error.status_code, http_code(error.status_code), error.detail)
            await render(problem, error.status_code)(scope, receive, send)
            return
        # Starlette's request.state is scope["state"]; the tools read the principal there.
        scope.setdefault("state", {})["principal"] = principal
        if is_legacy(request):
            legacy = await self.legacy_sessions.bind(request, principal, body, send)
            if legacy.answered:
                return
            send = legacy.send
        await self.manager.handle_request(scope, replay(body, receive), send)


def replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` that gives the body already read, then waits on the client as before."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def sweep_forever(runtime: Runtime) -> None:
    """End silent sessions every few seconds; safe to run in every process at once."""
    interval = min(60.0, max(1.0, runtime.settings.session_timeout_s / 4))
    while True:
        await anyio.sleep(interval)
        try:
            # Shielded: a stop waits for the sweep in flight. Cancelled mid-statement, the
            # connection's thread would hand its result to an event loop already closed.
            with anyio.CancelScope(shield=True):
                await sweep_once(runtime)
        except Exception:
            logger.exception("presence sweep failed; retrying next round")


async def sweep_once(runtime: Runtime) -> int:
    total = 0
    while True:
        async with runtime.sessionmaker() as db:
            ended = await expire_sessions(db, runtime.now(), runtime.settings.session_timeout_s)
            await db.commit()
        total += ended
        if ended < SWEEP_BATCH:
            return total
