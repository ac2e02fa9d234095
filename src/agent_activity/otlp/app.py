"""The OTLP/HTTP receiver, mounted at /otlp: ``OTEL_EXPORTER_OTLP_ENDPOINT=http://host/otlp``
works for SDKs that append ``/v1/<signal>``, and the full URLs for exporters that do not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from agent_activity.otlp.redact import install_redaction
from agent_activity.otlp.routes import export
from agent_activity.runtime import Runtime

SIGNALS = ("logs", "traces", "metrics")


def endpoint(signal: str) -> Callable[[Request], Awaitable[Response]]:
    async def receive(request: Request) -> Response:
        return await export(request, signal)

    return receive


def build_app(runtime: Runtime) -> Starlette:
    install_redaction()
    routes = [
        Route(f"{prefix}/v1/{signal}", endpoint(signal), methods=["POST"])
        for signal in SIGNALS
        for prefix in ("", "/t/{token:str}")
    ]
    app = Starlette(routes=routes)
    app.state.runtime = runtime
    return app
