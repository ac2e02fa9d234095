"""Slow and silent clients over real sockets: a request head that never completes is closed, a
body that stalls is a 408, a body declared past the limit is a 413 before any of it is sent.
(No database is involved, so one engine serves.)"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.served import Served, init_org

TIMEOUT_S = 1


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("slow")
    url = f"sqlite+aiosqlite:///{folder / 'slow.db'}"
    org = init_org(url)
    env = {
        "AGENT_ACTIVITY_HEADER_TIMEOUT_S": str(TIMEOUT_S),
        "AGENT_ACTIVITY_BODY_TIMEOUT_S": str(TIMEOUT_S),
    }
    served = Served(url, folder / "server.log", env=env).start()
    yield served, org
    served.stop()


def connect(served: Served) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """One response: its head and as much body as its Content-Length says."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        for line in head.lower().split(b"\r\n"):
            if line.startswith(b"content-length:") and len(body) >= int(line.split(b":")[1]):
                return data
    return data


def test_connections_whose_head_never_completes_are_closed(
    server: tuple[Served, dict[str, str]],
) -> None:
    served, _ = server
    sockets = [connect(served) for _ in range(50)]
    for index, sock in enumerate(sockets):
        # Half never send a byte, half stop in the middle of their headers.
        if index % 2:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    started = time.monotonic()
    for sock in sockets:
        assert sock.recv(1024) == b""  # closed by the server
        sock.close()
    assert time.monotonic() - started < TIMEOUT_S + 5
    # A client that finishes its head in time is served as always.
    with connect(served) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert read_all(sock).startswith(b"HTTP/1.1 200")


def test_a_body_that_stalls_is_a_408(server: tuple[Served, dict[str, str]]) -> None:
    served, org = server
    with connect(served) as sock:
        head = (
            "POST /api/agents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {org['token']}\r\nContent-Length: 100\r\n\r\n"
        )
        sock.sendall(head.encode() + b'{"name": ')
        started = time.monotonic()
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"REQUEST_TIMEOUT" in answer
    assert time.monotonic() - started < TIMEOUT_S + 5


def test_a_body_declared_past_the_limit_is_refused_before_it_is_sent(
    server: tuple[Served, dict[str, str]], tmp_path: Path
) -> None:
    served, org = server
    with connect(served) as sock:
        head = (
            f"POST /v1/orgs/{org['org_id']}/activity HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\n"
            f"Authorization: Bearer {org['token']}\r\nContent-Length: {10 * 1024**3}\r\n\r\n"
        )
        sock.sendall(head.encode())
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert b"PAYLOAD_TOO_LARGE" in answer
