"""A small round-robin TCP proxy: each new connection goes to the next backend, so a client that
opens a connection per request lands on every backend in turn (no sticky routing)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter
from collections.abc import AsyncIterator


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


@contextlib.asynccontextmanager
async def round_robin(ports: list[int]) -> AsyncIterator[tuple[str, Counter[int]]]:
    """Yields the proxy's base URL and how many connections each backend port was given."""
    turns = itertools.cycle(ports)
    given: Counter[int] = Counter()
    tasks: set[asyncio.Task[None]] = set()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = next(turns)
        given[port] += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
            both = [
                asyncio.create_task(pipe(reader, up_writer)),
                asyncio.create_task(pipe(up_reader, writer)),
            ]
            tasks.update(both)
            await asyncio.gather(*both)
            tasks.difference_update(both)
        except (ConnectionError, asyncio.CancelledError):
            writer.close()  # the proxy is closing: so is this connection

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", given
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await server.wait_closed()


class Cuttable:
    """A TCP proxy to one backend that can be cut (every connection dropped, new ones refused,
    as when the database goes away) and restored on the same port."""

    def __init__(self, backend_port: int) -> None:
        self.backend_port = backend_port
        self.port = 0
        self.server: asyncio.Server | None = None
        self.connections: set[asyncio.StreamWriter] = set()

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.backend_port)
        except ConnectionError:
            writer.close()
            return
        self.connections.update((writer, up_writer))
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.connections.difference_update((writer, up_writer))

    async def open(self) -> None:
        self.server = await asyncio.start_server(
            self.accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.connections):
            writer.transport.abort()  # a reset, as a dying server's connections are
        self.connections.clear()
        await self.server.wait_closed()
        self.server = None

    async def close(self) -> None:
        if self.server is not None:
            await self.cut()
