"""create_app(settings) -> the ASGI app: every API family, the MCP server, the dashboard.

Each API family is a mounted sub-application with its own error handlers, so its errors take
its documented shape and no other.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from agent_activity.api.activity.app import build_app as build_activity_app
from agent_activity.api.agents.app import build_app as build_agents_app
from agent_activity.api.projects.app import build_app as build_projects_app
from agent_activity.config import Settings, get_settings
from agent_activity.db.migrate import is_up_to_date
from agent_activity.db.partitions import INTERVAL_S as PARTITION_INTERVAL_S
from agent_activity.db.partitions import PartitionJob
from agent_activity.domain.activity.retention import Retention
from agent_activity.gc_policy import freeze_startup_objects
from agent_activity.limits.body import BodyLimitMiddleware, BodyLimits
from agent_activity.logs import configure_logging
from agent_activity.mcp.app import build_mcp
from agent_activity.otlp.app import build_app as build_otlp_app
from agent_activity.request_log.middleware import RequestLogMiddleware
from agent_activity.runtime import Clock, Runtime, build_runtime
from agent_activity.telemetry import fastapi_telemetry
from agent_activity.web.app import build_web

logger = logging.getLogger("agent_activity")


def retention_job(runtime: Runtime) -> list[asyncio.Task[None]]:
    """The retention pass of docs/storage.md, on every process; the lease lets one run at once."""
    settings = runtime.settings
    if settings.retention_interval_s <= 0:
        return []
    retention = Retention(
        runtime.sessionmaker,
        settings.retention_days,
        runtime.now,
        settings.retention_batch_size,
    )
    return [asyncio.create_task(retention.run_forever(settings.retention_interval_s))]


def partition_job(runtime: Runtime) -> list[asyncio.Task[None]]:
    """PostgreSQL's day partitions kept ahead (db/partitions.py), on every process."""
    if runtime.settings.is_sqlite:
        return []
    job = PartitionJob(runtime.sessionmaker, runtime.now)
    return [asyncio.create_task(job.run_forever(PARTITION_INTERVAL_S))]


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, serving: bool = False
) -> FastAPI:
    settings = settings or get_settings()
    runtime = build_runtime(settings, clock)
    mcp = build_mcp(runtime)
    configure_logging(settings.log_level)  # after the MCP SDK, which installs its own handler

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.request_log.start()
        runtime.touches.start()
        runtime.progress.start()
        runtime.telemetry_joins.start()
        jobs = [*partition_job(runtime), *retention_job(runtime)]
        try:
            async with mcp.run():
                if serving:
                    freeze_startup_objects()  # see gc_policy.py
                yield
        finally:
            for job in jobs:
                job.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await job
            for close in reversed(runtime.closers):
                result = close()
                if inspect.isawaitable(result):
                    await result
            await runtime.engines.dispose()

    app = FastAPI(
        title="Agent Activity",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=fastapi_telemetry(settings),
    )
    app.state.runtime = runtime
    limits = BodyLimits(
        settings.body_limit_bytes, settings.ingest_body_limit_bytes, settings.body_timeout_s
    )
    app.add_middleware(BodyLimitMiddleware, limits=limits)  # inside the request log: logged
    enabled = settings.request_log_enabled
    app.add_middleware(
        RequestLogMiddleware, writer=runtime.request_log, clock=runtime.now, enabled=enabled
    )
    add_health_routes(app, runtime)
    for prefix, family in (
        ("/api/projects", build_projects_app(runtime)),
        ("/api/agents", build_agents_app(runtime)),
        ("/v1", build_activity_app(runtime)),
    ):
        app.mount(prefix, family)
        # A mount only matches below its prefix; the bare prefix (POST /api/agents) goes to the
        # family's root route instead of falling through to the dashboard.
        app.router.routes.append(Route(prefix, FamilyRoot(prefix, family), methods=["GET", "POST"]))
    app.mount("/otlp", build_otlp_app(runtime))
    for path in ("/mcp", "/mcp/"):
        app.add_route(path, mcp.asgi, methods=["GET", "POST", "DELETE"], include_in_schema=False)
    # Last: the dashboard catches every path the APIs above did not claim.
    app.mount("/", build_web(runtime))
    return app


class FamilyRoot:
    """Serves a family's bare prefix (``/api/agents``) as its root path (``/api/agents/``)."""

    def __init__(self, prefix: str, family: ASGIApp) -> None:
        self.prefix = prefix
        self.family = family

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root_path = scope.get("root_path", "") + self.prefix
        await self.family({**scope, "root_path": root_path, "path": root_path + "/"}, receive, send)


def add_health_routes(app: FastAPI, runtime: Runtime) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Readiness: the database answers and its schema is current."""
        try:
            async with runtime.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            current = await is_up_to_date(runtime.engine)
        except Exception:
            logger.warning("readiness check failed", exc_info=True)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        if not current:
            return JSONResponse({"status": "unavailable", "database": "not migrated"}, 503)
        return JSONResponse({"status": "ok", "database": "ok"})


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (used by ``serve --workers N``)."""
    return create_app(get_settings(), serving=True)
