"""A request body limit and a body read timeout, enforced while the body streams in.

The middleware wraps ``receive``: a ``Content-Length`` above the limit is refused at the first
read, before any of the body is taken in, and a chunked body is refused as soon as its running
total passes the limit; a body whose next part takes longer than the read timeout is refused
too. Each refusal is raised as Starlette's ``HTTPException`` (413 or 408) from the read itself,
so the family whose route reads the body answers in its own documented shape; a route that never
reads its body never pays for it.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Batches of records come in here (and OTLP exports, under its standard paths): the larger limit.
LARGE_BODY_PATHS = re.compile(r"^/v1/orgs/[^/]+/activity/?$|^/v1/(logs|traces|metrics)$|^/otlp/")


@dataclass(frozen=True)
class BodyLimits:
    default_bytes: int
    ingest_bytes: int
    read_timeout_s: float

    def for_path(self, path: str) -> int:
        return self.ingest_bytes if LARGE_BODY_PATHS.match(path) else self.default_bytes


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"The request body is larger than the limit of {limit} bytes")


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class LimitedReceive:
    """``receive`` that refuses a body past ``limit`` bytes or slower than the read timeout."""

    def __init__(self, receive: Receive, limit: int, timeout_s: float, declared: int | None):
        self.receive = receive
        self.limit = limit
        self.timeout_s = timeout_s
        self.declared = declared
        self.seen = 0
        self.complete = False

    async def __call__(self) -> Message:
        if self.complete:
            # After the body, a read waits for the client to leave (a stream's whole life).
            return await self.receive()
        if self.declared is not None and self.declared > self.limit:
            raise too_large(self.limit)
        try:
            message = await asyncio.wait_for(self.receive(), self.timeout_s)
        except TimeoutError:
            raise HTTPException(408, "The request body did not arrive in time") from None
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                raise too_large(self.limit)
            self.complete = not message.get("more_body", False)
        return message


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_path(scope["path"])
        limited = LimitedReceive(receive, limit, self.limits.read_timeout_s, declared_length(scope))
        await self.app(scope, limited, send)
