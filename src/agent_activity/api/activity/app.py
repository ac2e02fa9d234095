"""The sub-application for spec file 004, mounted at /v1."""

from __future__ import annotations

from fastapi import FastAPI

from agent_activity.api.activity import (
    errors,
    export_routes,
    ingest_routes,
    retention_routes,
    routes,
    summary_routes,
)
from agent_activity.api.activity.deps import CursorKeys
from agent_activity.api.error_handling import install_error_handlers
from agent_activity.runtime import Runtime
from agent_activity.telemetry import fastapi_telemetry


def build_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="Agent Activity: activity log",
        openapi_url="/openapi.json",
        docs_url=None,
        telemetry=fastapi_telemetry(runtime.settings),
    )
    app.state.runtime = runtime
    app.state.cursor_keys = CursorKeys(runtime)
    install_error_handlers(app, errors.render, errors.STATUS_OVERRIDES, errors.code_of)
    app.include_router(routes.router)
    app.include_router(summary_routes.router)
    app.include_router(ingest_routes.router)
    app.include_router(export_routes.router)
    app.include_router(retention_routes.router)
    return app
