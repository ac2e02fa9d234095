"""build_web(runtime): the dashboard as one ASGI app, mounted at ``/`` after the API families."""

from __future__ import annotations

import inspect
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from agent_activity.api.error_handling import install_error_handlers
from agent_activity.runtime import Runtime
from agent_activity.telemetry import fastapi_telemetry
from agent_activity.web import errors, pages
from agent_activity.web.api_routes import build_api_router
from agent_activity.web.pages import build_page_router
from agent_activity.web.proxy import Proxy
from agent_activity.web.session import SessionCookies

STATIC = Path(__file__).parent / "static"


class Dashboard:
    """The dashboard app, plus a note of the app it is mounted in.

    The proxy calls the APIs through that outer app; a mounted app only learns of it from the
    ASGI scope (``scope["app"]`` still names the outer app when a mount hands a request on).
    """

    def __init__(self, runtime: Runtime) -> None:
        self.outer: ASGIApp | None = None
        cookies = SessionCookies(runtime)
        proxy = Proxy(cookies, self.outer_app)
        runtime.closers.append(proxy.close)
        app = FastAPI(
            title="Agent Activity dashboard",
            openapi_url=None,
            docs_url=None,
            telemetry=fastapi_telemetry(runtime.settings),
        )
        app.state.runtime = runtime
        install_error_handlers(app, errors.render)
        json_handler = app.exception_handlers[StarletteHTTPException]

        async def not_found(request: Request, exc: Exception) -> Response:
            """A browser that asks for a page that does not exist gets a page that says so;
            scripts (``/ui/api``, assets) keep the JSON error they read."""
            wants_page = "text/html" in request.headers.get("accept", "")
            path = request.url.path
            if (
                isinstance(exc, StarletteHTTPException)
                and exc.status_code == 404
                and wants_page
                and not path.startswith(("/ui/api/", "/static/"))
            ):
                return pages.render(request, "not_found.html", 404, path=path)
            response = json_handler(request, exc)
            return await response if inspect.isawaitable(response) else response

        app.add_exception_handler(StarletteHTTPException, not_found)
        app.include_router(build_api_router(runtime, cookies, proxy))
        app.include_router(build_page_router(runtime, cookies))
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
        self.inner = app

    def outer_app(self) -> ASGIApp:
        return self.outer or self.inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.outer is None and scope["type"] == "http" and scope.get("app") is not None:
            self.outer = scope["app"]
        await self.inner(scope, receive, send)


def build_web(runtime: Runtime) -> Dashboard:
    return Dashboard(runtime)
