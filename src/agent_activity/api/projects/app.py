"""The sub-application for spec files 000-002, mounted at /api/projects."""

from __future__ import annotations

from fastapi import FastAPI

from agent_activity.api.activity.deps import CursorKeys
from agent_activity.api.error_handling import install_error_handlers
from agent_activity.api.projects import errors
from agent_activity.api.projects.routes import router
from agent_activity.api.projects.usage_routes import router as usage_router
from agent_activity.runtime import Runtime
from agent_activity.telemetry import fastapi_telemetry


def build_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="Agent Activity: projects",
        openapi_url="/openapi.json",
        docs_url=None,
        telemetry=fastapi_telemetry(runtime.settings),
    )
    app.state.runtime = runtime
    app.state.cursor_keys = CursorKeys(runtime)  # the timeline's cursors are the feeds' kind
    install_error_handlers(app, errors.render, code_of=errors.code_of)
    app.include_router(router)
    app.include_router(usage_router)
    return app
