"""The machinery every family shares to turn errors into its own documented shape.

A family supplies ``render(error, status)`` and, when its codes are not the errors' own,
``code_of(error, status)``; this module maps every source of error (domain errors, request
validation, unknown routes, unexpected exceptions) onto them. The code of the answer is left in
the request's state (``ERROR_CODE``) for the request log, which so never reads a response body.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_activity.api.outage import DatabaseUnavailable, database_unreachable
from agent_activity.domain.errors import (
    Conflict,
    DomainError,
    FieldIssue,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthenticated,
)

logger = logging.getLogger("agent_activity.errors")


class HttpProblem(DomainError):
    """An error that only exists at the HTTP layer (unknown route, wrong method, 500)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


DEFAULT_STATUS: dict[type[DomainError], int] = {
    Unauthenticated: 401,
    DatabaseUnavailable: 503,
    Forbidden: 403,
    NotFound: 404,
    Invalid: 400,
    Conflict: 409,
    RateLimited: 429,
}


def status_for(error: DomainError, overrides: dict[type[DomainError], int] | None = None) -> int:
    if isinstance(error, HttpProblem):
        return error.status
    table = {**DEFAULT_STATUS, **(overrides or {})}
    for kind in type(error).__mro__:
        if kind in table:
            return table[kind]
    return 500


Render = Callable[[DomainError, int], Response]
CodeOf = Callable[[DomainError, int], str]
# The request-state key under which the error handlers leave the code they answered with.
ERROR_CODE = "error_code"


def own_code(error: DomainError, _status: int) -> str:
    return error.code


def note_error_code(scope: Scope, code: str) -> None:
    scope.setdefault("state", {})[ERROR_CODE] = code


def issues_from_validation(exc: RequestValidationError) -> list[FieldIssue]:
    issues = []
    for error in exc.errors():
        ctx: dict[str, object] = {
            str(key): str(value) for key, value in (error.get("ctx") or {}).items()
        }
        issues.append(
            FieldIssue(
                path=tuple(error.get("loc", ())),
                message=str(error.get("msg", "Invalid value")),
                type=str(error.get("type", "value_error")),
                input=error.get("input"),
                ctx=ctx,
            )
        )
    return issues


def with_headers(response: Response, error: DomainError) -> Response:
    if isinstance(error, DatabaseUnavailable):
        response.headers["Retry-After"] = str(error.retry_after_s)
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(int(error.retry_after_s))
    if isinstance(error, Unauthenticated):
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 408: "REQUEST_TIMEOUT"}
HTTP_CODES |= {413: "PAYLOAD_TOO_LARGE"}


def http_code(status: int) -> str:
    """The code of an error that only exists at the HTTP layer."""
    return HTTP_CODES.get(status, "HTTP_ERROR")


# FastAPI's refusal of a body its JSON reader gave up on (nested past the reader's own limit).
UNREADABLE_BODY = "There was an error parsing the body"


def unreadable_body() -> Invalid:
    message = "the body could not be read as JSON (is it nested too deep?)"
    return Invalid("Invalid request", [FieldIssue(("body",), message, type="json_invalid")])


def install_error_handlers(
    app: FastAPI,
    render: Render,
    overrides: dict[type[DomainError], int] | None = None,
    code_of: CodeOf = own_code,
) -> None:
    """Route every error raised inside ``app`` through the family's ``render``."""

    def respond(scope: Scope, error: DomainError) -> Response:
        status = status_for(error, overrides)
        note_error_code(scope, code_of(error, status))
        return with_headers(render(error, status), error)

    async def on_domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return respond(request.scope, exc)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return respond(request.scope, Invalid("Invalid request", issues_from_validation(exc)))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and exc.detail == UNREADABLE_BODY:
            return respond(request.scope, unreadable_body())
        problem = HttpProblem(exc.status_code, http_code(exc.status_code), str(exc.detail))
        return respond(request.scope, problem)

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_middleware(CatchAllMiddleware, render=respond)


INTERNAL = HttpProblem(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred")


class CatchAllMiddleware:
    """Answers an unexpected exception with the family's 500 body; logs the trace, shows none.

    Starlette's own handler re-raises after responding, which would reach the outer app; this
    one swallows the exception once it is logged and answered.
    """

    def __init__(self, app: ASGIApp, render: Callable[[Scope, DomainError], Response]) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            answer: DomainError | None = refused_text(error)
            if database_unreachable(error):
                answer = DatabaseUnavailable()
                logger.warning("database unreachable on %s: %s", scope.get("path"), error)
            elif answer is None:
                logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = self.render(scope, answer or INTERNAL)
            await response(scope, receive, send)


# PostgreSQL's SQLSTATEs for text it cannot store: a NUL character, or one its encoding lacks.
UNSTORABLE_TEXT = {"22021", "22P05"}


def refused_text(error: Exception) -> Invalid | None:
    """The family's validation error for text PostgreSQL refused (a NUL character in a query
    parameter or a body field no validator checked), or None for any other error. SQLite stores
    such text, so there the same request may succeed; on neither engine is it a 500."""
    if isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in UNSTORABLE_TEXT:
        message = "text values must not hold the NUL character (\\u0000)"
        return Invalid("Invalid request", [FieldIssue(("request",), message)])
    return None


def jsonable_input(value: Any) -> Any:
    """A validation error's input, made safe to echo back as JSON: a lone surrogate (JSON can
    spell one, UTF-8 cannot encode it) is echoed as its escape, a NaN or infinity (Python's
    JSON reader takes them, JSON has none) as text."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [jsonable_input(v) for v in value]
    if isinstance(value, dict):
        return {jsonable_input(str(k)): jsonable_input(v) for k, v in value.items()}
    return str(value)
