"""The load generator's HTTP client (bench/http1.py) against a plain asyncio server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from bench.http1 import Connection, HTTPError, Pool


@dataclass
class Canned:
    """A server that answers by path and keeps what it was sent."""

    connections: int = 0
    requests: list[bytes] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.answer(reader, writer)
        finally:
            writer.close()

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:  # the client closed the connection
                return
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = await reader.readexactly(length)
            self.requests.append(head + body)
            target = head.split(b" ")[1]
            if target.startswith(b"/chunked"):
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n5\r\ndata:\r\n3\r\n {}\r\n0\r\n\r\n"
                )
            elif target.startswith(b"/close"):
                writer.write(b"HTTP/1.1 503 Unavailable\r\nContent-Length: 4\r\n")
                writer.write(b"Connection: close\r\n\r\nbusy")
                await writer.drain()
                return
            elif target.startswith(b"/hang-up"):
                return
            else:
                answer = json.dumps({"got": body.decode(), "target": target.decode()}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
                writer.write(b"X-Trace: A\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
            await writer.drain()


@pytest.fixture
async def canned() -> AsyncIterator[tuple[Canned, str]]:
    service = Canned()
    server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield service, f"http://127.0.0.1:{port}"


async def test_answers_are_read_whole_over_one_kept_alive_connection(
    canned: tuple[Canned, str],
) -> None:
    service, url = canned
    async with Connection(url) as http:
        first = await http.post("/echo", content=b'{"a": 1}', headers={"X-Project-Id": "p"})
        second = await http.get("/echo", params={"limit": 5, "q": "a b"})
        streamed = await http.get("/chunked")
    assert first.status_code == 200 and first.is_success
    assert first.json() == {"got": '{"a": 1}', "target": "/echo"}
    assert first.headers["x-trace"] == "A"  # names in lower case
    assert second.json()["target"] == "/echo?limit=5&q=a+b"
    assert streamed.headers["content-type"] == "text/event-stream"
    assert streamed.text == "data: {}"  # chunks joined
    assert service.connections == 1
    assert b"Host: 127.0.0.1:" in service.requests[0]
    assert b"X-Project-Id: p\r\nContent-Length: 8\r\n\r\n" in service.requests[0]


async def test_a_closed_connection_is_opened_again_and_a_dropped_one_is_an_error(
    canned: tuple[Canned, str],
) -> None:
    service, url = canned
    async with Connection(url) as http:
        busy = await http.get("/close")
        assert (busy.status_code, busy.is_success, busy.text) == (503, False, "busy")
        assert (await http.get("/echo")).is_success
        assert service.connections == 2
        with pytest.raises(HTTPError, match="closed"):
            await http.get("/hang-up")
        assert (await http.get("/echo")).is_success
    assert service.connections == 3


async def test_a_pool_serves_as_many_workers_at_once_as_it_has_connections(
    canned: tuple[Canned, str],
) -> None:
    service, url = canned
    async with Pool(url, 4) as pool:
        request = pool.connections[0].prepare("GET", "/echo")
        answers = await asyncio.gather(*(pool.send(request) for _ in range(4)))
        answers += await asyncio.gather(*(pool.send(request) for _ in range(4)))
    assert all(answer.is_success for answer in answers)
    assert service.connections == 4


async def test_requests_sent_at_once_on_one_connection_take_turns(
    canned: tuple[Canned, str],
) -> None:
    service, url = canned
    async with Connection(url) as http:
        answers = await asyncio.gather(*(http.get("/echo", params={"n": n}) for n in range(5)))
    assert [answer.json()["target"] for answer in answers] == [f"/echo?n={n}" for n in range(5)]
    assert service.connections == 1


async def test_only_plain_http_is_spoken() -> None:
    with pytest.raises(ValueError, match="http://"):
        Connection("https://example.org")
