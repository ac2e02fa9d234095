"""The same-origin proxy: ``/ui/api/<family>/...`` forwarded in-process to the public APIs.

The browser never holds the token; this proxy reads it from the session cookie and makes the
same call an API client would (through the whole app, so rate limits, the request log and each
family's error shapes apply unchanged), which keeps the dashboard decoupled from the APIs'
internals: it shows exactly what the APIs answer. Its reads are marked as the dashboard's own
in the request log (an ASGI scope key, which no client can send), so the feeds can hide them.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from agent_activity.domain.errors import Forbidden, NotFound, Unauthenticated
from agent_activity.request_log.middleware import DASHBOARD_READ
from agent_activity.web.session import SIGN_IN, SessionCookies

# /ui/api/<first segment>/... -> the public prefix it stands for.
FAMILIES = {"projects": "/api/projects", "agents": "/api/agents", "v1": "/v1"}
FORWARDED_REQUEST_HEADERS = ("content-type", "accept", "idempotency-key")
FORWARDED_RESPONSE_HEADERS = ("content-type", "retry-after", "www-authenticate")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Page scripts send this on every write; a cross-site form cannot set it without CORS consent.
CSRF_HEADER = "x-dashboard"


def public_path(target: str) -> str:
    family, _, rest = target.partition("/")
    prefix = FAMILIES.get(family)
    if prefix is None or not rest or ".." in rest.split("/"):
        raise NotFound("route", f"/ui/api/{target}")
    return f"{prefix}/{rest}"


READS = {"GET", "HEAD"}


def marking_reads(app: ASGIApp) -> ASGIApp:
    """``app``, with each read marked in its scope as one the dashboard made for its pages."""

    async def marked(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in READS:
            scope = {**scope, DASHBOARD_READ: True}
        await app(scope, receive, send)

    return marked


def check_csrf(request: Request) -> None:
    if request.method in UNSAFE_METHODS and request.headers.get(CSRF_HEADER) != "1":
        raise Forbidden("Writes from the dashboard must send the X-Dashboard: 1 header", "csrf")


class Proxy:
    """Forwards one request to the root app with the cookie's token as a bearer."""

    def __init__(self, cookies: SessionCookies, root: Callable[[], ASGIApp]) -> None:
        self.cookies = cookies
        self.root = root
        self._client: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            transport = httpx.ASGITransport(app=marking_reads(self.root()))
            self._client = httpx.AsyncClient(transport=transport, base_url="http://dashboard")
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def forward(self, request: Request, target: str) -> Response:
        path = public_path(target)
        check_csrf(request)
        # The API itself authenticates the token and counts it against the rate limit, once.
        token = await self.cookies.token_from(request)
        if token is None:
            raise Unauthenticated(SIGN_IN)
        headers = {k: v for k, v in request.headers.items() if k in FORWARDED_REQUEST_HEADERS}
        headers["authorization"] = f"Bearer {token}"
        answer = await self.client().request(
            request.method,
            path,
            params=request.url.query,
            content=await request.body(),
            headers=headers,
        )
        kept = {k: v for k, v in answer.headers.items() if k in FORWARDED_RESPONSE_HEADERS}
        kept["cache-control"] = "no-store"
        return Response(answer.content, status_code=answer.status_code, headers=kept)
