"""The HTML pages: sign in, sign out, and the shells of Board (with each ticket's page), Agents
and Activity.

Pages are server-rendered shells; their data comes from ``/ui/api`` through the page scripts.
A page asked for without a valid cookie redirects to the sign-in form, which comes back to it.
"""

from __future__ import annotations

import uuid
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Path, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import RedirectResponse, Response

from agent_activity.domain.errors import DomainError, RateLimited
from agent_activity.domain.tenancy.tokens import authenticate
from agent_activity.runtime import Runtime
from agent_activity.web.session import SessionCookies

TEMPLATES = Jinja2Templates(directory=FilePath(__file__).parent / "templates")
PAGES = {"board": "Board", "agents": "Agents", "activity": "Activity"}
# Scripts and styles come only from this origin; nothing inline, no frames.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
MAX_FORM_BYTES = 4096


def safe_next(value: str | None) -> str:
    """Only a local path may be a redirect target (no open redirects)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/board"


def same_origin(request: Request) -> bool:
    """A form post must come from a page of this site (browsers always send Origin on POST)."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def build_page_router(runtime: Runtime, cookies: SessionCookies) -> APIRouter:
    router = APIRouter()

    @router.get("/", include_in_schema=False)
    async def home() -> Response:
        return RedirectResponse("/board", status_code=303)

    @router.get("/signin", include_in_schema=False)
    async def signin_form(request: Request, next: str | None = None) -> Response:
        return render(request, "signin.html", next=safe_next(next), error=None)

    @router.post("/signin", include_in_schema=False)
    async def signin(request: Request) -> Response:
        if not same_origin(request):
            return Response("Cross-site sign-in refused", status_code=403)
        body = await request.body()
        fields = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace"))
        token = (fields.get("token") or [""])[0].strip()
        target = safe_next((fields.get("next") or [""])[0])
        try:
            async with runtime.sessionmaker() as session, session.begin():
                await authenticate(session, token, runtime.now())
        except DomainError as error:
            status = 429 if isinstance(error, RateLimited) else 401
            return render(request, "signin.html", status, next=target, error=error.message)
        response = RedirectResponse(target, status_code=303)
        await cookies.set(response, request, token)
        return response

    @router.post("/signout", include_in_schema=False)
    async def signout(request: Request) -> Response:
        if not same_origin(request):
            return Response("Cross-site sign-out refused", status_code=403)
        response = RedirectResponse("/signin", status_code=303)
        cookies.clear(response, request)
        return response

    async def signed_in_page(
        request: Request, template: str, page: str, title: str, **context: Any
    ) -> Response:
        try:
            signed_in = await cookies.authenticate(request)
        except DomainError:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)
        return render(
            request,
            template,
            page=page,
            title=title,
            pages=PAGES,
            principal_type=signed_in.principal.principal_type,
            **context,
        )

    def add_page(name: str, title: str) -> None:
        async def shell(request: Request) -> Response:
            return await signed_in_page(request, f"{name}.html", name, title)

        router.add_api_route(f"/{name}", shell, methods=["GET"], include_in_schema=False)

    @router.get("/board/{project_id}/tickets/{ticket}", include_in_schema=False)
    async def ticket_page(
        request: Request,
        project_id: uuid.UUID,
        ticket: Annotated[str, Path(min_length=1, max_length=64)],
    ) -> Response:
        """One ticket's story, breakdowns and cost chart; part of the Board in the top bar."""
        context = {"project_id": str(project_id), "ticket_ref": ticket}
        return await signed_in_page(request, "ticket.html", "board", "Ticket", **context)

    for name, title in PAGES.items():
        add_page(name, title)
    return router
