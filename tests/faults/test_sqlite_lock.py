"""A SQLite file written by two processes: while the other one holds a write transaction, the
server's writes wait for it (the busy timeout) and, past that, are 503 with Retry-After in their
family's shape, never a 500 "database is locked". SQLite only: PostgreSQL locks rows."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from agent_activity.app import create_app
from agent_activity.config import Settings
from tests.factories import Tenant, make_tenant


@dataclass
class Served:
    http: httpx.AsyncClient
    tenant: Tenant
    path: Path


@pytest.fixture
def database_file(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "locked.db"
    shutil.copyfile(sqlite_template, path)
    return path


async def serve(path: Path, busy_timeout_s: float) -> AsyncIterator[Served]:
    # The request log on, from its helper process (the second writer the server itself has),
    # and the rate limit on as by default (its count is flushed by a request's own write).
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        request_log_enabled=True,
        database_busy_timeout_s=busy_timeout_s,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        tenant = await make_tenant(app.state.runtime, "Acme")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=tenant.headers, timeout=60
        ) as http:
            yield Served(http, tenant, path)


@pytest.fixture
async def impatient(database_file: Path) -> AsyncIterator[Served]:
    """A server whose writes wait half a second for a lock."""
    async for served in serve(database_file, 0.5):
        yield served


@pytest.fixture
async def patient(database_file: Path) -> AsyncIterator[Served]:
    """A server with the default busy timeout."""
    async for served in serve(database_file, Settings().database_busy_timeout_s):
        yield served


@pytest.fixture
def other_writer(database_file: Path) -> Iterator[sqlite3.Connection]:
    """Another process's connection to the same file (a CLI command, the log's helper)."""
    connection = sqlite3.connect(database_file, isolation_level=None, check_same_thread=False)
    try:
        yield connection
    finally:
        if connection.in_transaction:
            connection.rollback()
        connection.close()


def hold_write_lock(connection: sqlite3.Connection) -> None:
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE orgs SET name = name")


async def writes(served: Served) -> dict[str, httpx.Response]:
    """One write of each family that writes."""
    tenant, http = served.tenant, served.http
    batch = {"activities": [{"id": "locked-1", "action": "deploy", "timestamp": "2026-12-01"}]}
    return {
        "projects": await http.post(
            f"/api/projects/{tenant.project_id}/tickets", json={"title": "Locked out"}
        ),
        "activity": await http.post(f"/v1/orgs/{tenant.org_id}/activity", json=batch),
        "agents": await http.post("/api/agents/", json={"name": "Locked agent"}),
    }


async def test_a_write_lock_held_past_the_busy_timeout_is_503_with_retry_after(
    impatient: Served, other_writer: sqlite3.Connection
) -> None:
    hold_write_lock(other_writer)
    answers = await writes(impatient)
    for family, response in answers.items():
        assert response.status_code == 503, (family, response.text)
        assert response.headers["retry-after"] == "2"
        assert "SERVICE_UNAVAILABLE" in response.text, family
    assert answers["activity"].json()["status_code"] == 503
    assert answers["agents"].json()["status"] == "error"
    other_writer.rollback()
    # Nothing refused was stored.
    tickets = await impatient.http.get(f"/api/projects/{impatient.tenant.project_id}/tickets")
    assert tickets.status_code == 200, tickets.text
    assert "Locked out" not in tickets.text
    again = await writes(impatient)
    assert {family: r.status_code for family, r in again.items()} == {
        "projects": 201,
        "activity": 201,
        "agents": 201,
    }


async def test_a_write_waits_for_a_lock_released_within_the_busy_timeout(
    patient: Served, other_writer: sqlite3.Connection
) -> None:
    hold_write_lock(other_writer)
    release = asyncio.get_running_loop().call_later(0.3, other_writer.commit)
    try:
        answers = await writes(patient)
    finally:
        release.cancel()
    assert not other_writer.in_transaction  # the writes got through once the lock was gone
    assert {family: r.status_code for family, r in answers.items()} == {
        "projects": 201,
        "activity": 201,
        "agents": 201,
    }
