"""The sub-application for spec file 003, mounted at /api/agents."""

from __future__ import annotations

from fastapi import FastAPI

from agent_activity.api.agents import errors
from agent_activity.api.agents.routes import router
from agent_activity.api.error_handling import install_error_handlers
from agent_activity.runtime import Runtime
from agent_activity.telemetry import fastapi_telemetry


def build_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="Agent Activity: agent runs",
        openapi_url="/openapi.json",
        docs_url=None,
        telemetry=fastapi_telemetry(runtime.settings),
    )
    app.state.runtime = runtime
    install_error_handlers(app, errors.render, code_of=errors.code_of)
    app.include_router(router)
    return app
