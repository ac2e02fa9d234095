"""A lean HTTP/1.1 client for the load generator: keep-alive connections, httptools' parser.

Every latency the load generator measures includes the client's own time. httpx spent about
1 ms of CPU on each request, most of it inside the measured latency (a board read took 1.9 ms
through httpx and 1.0 ms through this client, from the same server), and under the presence
load its CPU came out of the two cores the server shares. This client writes a request
prepared as bytes and reads the answer with httptools, the C parser uvicorn serves with:
under 0.1 ms of CPU a request (measured 2026-12-03).

Plain ``http://`` on loopback only; no redirects, no proxies, no compression.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httptools


class HTTPError(Exception):
    """The connection failed, timed out, or the answer was not HTTP."""


@dataclass(frozen=True)
class Response:
    status_code: int
    headers: dict[str, str]  # names in lower case
    content: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


def prepare(
    host: str,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
) -> bytes:
    """One request as the bytes sent for it."""
    target = f"{path}?{urlencode(params)}" if params else path
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if content is not None:
        lines.append(f"Content-Length: {len(content)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (content or b"")


class _Answer:
    """httptools' callbacks, collecting one response."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.keep_alive = False
        self.complete = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        # Asked here: once the message is complete the parser has reset for the next one.
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class Connection:
    """One keep-alive connection to ``base_url``, opened at the first request and again after
    the server closed it. Requests sent at once take turns on it, as on httpx's one-connection
    client."""

    def __init__(self, base_url: str, timeout_s: float = 120.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"only http:// URLs: {base_url}")
        self.host = parts.netloc
        self._address = (parts.hostname, parts.port or 80)
        self.timeout_s = timeout_s
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._turn = asyncio.Lock()

    def prepare(self, method: str, path: str, **kwargs: Any) -> bytes:
        return prepare(self.host, method, path, **kwargs)

    async def request(self, method: str, path: str, **kwargs: Any) -> Response:
        return await self.send(self.prepare(method, path, **kwargs))

    async def post(self, path: str, **kwargs: Any) -> Response:
        return await self.request("POST", path, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> Response:
        return await self.request("GET", path, **kwargs)

    async def send(self, request: bytes) -> Response:
        """Send a prepared request and read its whole answer."""
        try:
            async with self._turn, asyncio.timeout(self.timeout_s):
                return await self._exchange(request)
        except (OSError, TimeoutError, httptools.HttpParserError, HTTPError) as error:
            await self.aclose()
            raise HTTPError(f"{type(error).__name__}: {error}") from error

    async def _exchange(self, request: bytes) -> Response:
        if self._streams is None:
            self._streams = await asyncio.open_connection(*self._address)
        reader, writer = self._streams
        writer.write(request)
        answer = _Answer()
        while not answer.complete:
            data = await reader.read(65536)
            if not data:
                raise HTTPError("the server closed the connection")
            answer.parser.feed_data(data)
        status = answer.parser.get_status_code()
        if not answer.keep_alive:
            await self.aclose()
        return Response(status, answer.headers, b"".join(answer.body))

    async def aclose(self) -> None:
        streams, self._streams = self._streams, None
        if streams is not None:
            streams[1].close()
            with contextlib.suppress(OSError):
                await streams[1].wait_closed()

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()


class Pool:
    """``size`` connections for as many workers, each sending one request at a time."""

    def __init__(self, base_url: str, size: int) -> None:
        self.connections = [Connection(base_url) for _ in range(size)]
        self._free = list(self.connections)
        self.host = self.connections[0].host

    async def send(self, request: bytes) -> Response:
        connection = self._free.pop()  # never empty: no more workers than connections
        try:
            return await connection.send(request)
        finally:
            self._free.append(connection)

    async def __aenter__(self) -> Pool:
        return self

    async def __aexit__(self, *_: object) -> None:
        for connection in self.connections:
            await connection.aclose()
