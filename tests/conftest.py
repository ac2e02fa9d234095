"""Fixtures: every storage test runs on SQLite and on PostgreSQL (the ``dialect`` fixture).

The schema is built by the real Alembic migrations, once per run and engine; each test then gets
a clean database (a copied SQLite file, or emptied PostgreSQL tables).

PostgreSQL is expected at 127.0.0.1:5432 with trust auth (override with
AGENT_ACTIVITY_TEST_POSTGRES_URL). With CI=true an unreachable server fails the run; elsewhere
the PostgreSQL half of the tests is skipped with a note on how to enable it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.db.base import Base
from agent_activity.db.engine import create_engine, create_sessionmaker
from agent_activity.db.migrate import upgrade
from agent_activity.runtime import Runtime
from tests.factories import Tenant, make_tenant

# Apps built by tests write their request log from a task in the test's own process, unless a
# test asks for the helper process (tests/request_log/):
# a helper per app would cost every test a process start. Export it as true to run them all so.
os.environ.setdefault("AGENT_ACTIVITY_REQUEST_LOG_PROCESS", "false")

POSTGRES_URL = os.environ.get(
    "AGENT_ACTIVITY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
ENABLE_HINT = (
    "PostgreSQL is not reachable at 127.0.0.1:5432; start it "
    "(pg_ctlcluster <version> main start) or set AGENT_ACTIVITY_TEST_POSTGRES_URL"
)


class FakeClock:
    """An injectable clock: tests move time forward instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


async def _postgres_reachable() -> bool:
    try:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True


def with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def create_postgres_database(name: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _execute(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def drop_postgres_database(name: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def _migrate(url: str) -> None:
    engine = create_async_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    if not asyncio.run(_postgres_reachable()):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {ENABLE_HINT}")
        pytest.skip(ENABLE_HINT)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"aa_test_{worker}_{uuid.uuid4().hex[:8]}"
    asyncio.run(create_postgres_database(name))
    # A test's commit need not wait for the disk: no test stops the PostgreSQL server.
    asyncio.run(_execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = with_database(POSTGRES_URL, name).replace("postgresql://", "postgresql+asyncpg://")
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(drop_postgres_database(name))


# Emptying the few rows a test leaves is a DELETE per table in one round trip; TRUNCATE makes
# new files for every table and index, which cost each PostgreSQL test most of its time. With
# triggers and foreign keys off for the transaction, the order of tables does not matter, and
# the sequences restart as TRUNCATE's RESTART IDENTITY did.
_EMPTY_ALL = (
    "BEGIN; SET LOCAL session_replication_role = replica; "
    + "".join(f'DELETE FROM "{table.name}"; ' for table in Base.metadata.sorted_tables)
    + "SELECT setval(c.oid, s.seqstart, false) FROM pg_class c "
    "JOIN pg_sequence s ON s.seqrelid = c.oid; COMMIT"
)


async def _empty_all(url: str) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(_EMPTY_ALL)
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_database_url(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A database of its own with no schema at all, for tests of the migrations themselves."""
    if dialect == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    with empty_postgres_database(request, "aa_test_empty") as url:
        yield url


@contextmanager
def empty_postgres_database(request: pytest.FixtureRequest, prefix: str) -> Iterator[str]:
    """The URL of a new PostgreSQL database with no schema, dropped afterwards."""
    request.getfixturevalue("postgres_database")  # reachable, or fail (CI) / skip with the hint
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    asyncio.run(create_postgres_database(name))
    try:
        yield with_database(POSTGRES_URL, name).replace("postgresql://", "postgresql+asyncpg://")
    finally:
        asyncio.run(drop_postgres_database(name))


@pytest.fixture
def database_url(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on the engine the test is parametrised with."""
    if dialect == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "agent-activity.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_database")
    yield url
    asyncio.run(_empty_all(url))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, rate_limit_per_minute=0, request_log_enabled=True)


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def runtime(app: FastAPI) -> Runtime:
    value: Runtime = app.state.runtime
    return value


@pytest.fixture
async def db(runtime: Runtime) -> AsyncIterator[AsyncSession]:
    """A session on the app's database, for arranging data and checking what was stored.

    On an engine of its own, as another process would be: a check that reads, then calls the
    app, must not hold the app's one SQLite writer connection meanwhile."""
    engine = create_engine(runtime.settings)
    async with create_sessionmaker(engine)() as session:
        yield session
    await engine.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def tenant(runtime: Runtime) -> Tenant:
    """An org with a workspace, a project, an admin user and an admin token."""
    return await make_tenant(runtime, "Acme")


@pytest.fixture
async def other_tenant(runtime: Runtime) -> Tenant:
    """A second org, to check that no tenant ever sees another's data."""
    return await make_tenant(runtime, "Globex")


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every transaction asyncpg begins: what a read without a transaction must not do."""
    begun: list[str] = []
    start = asyncpg.transaction.Transaction.start

    async def counted(self: asyncpg.transaction.Transaction) -> None:
        begun.append("BEGIN")
        await start(self)

    monkeypatch.setattr(asyncpg.transaction.Transaction, "start", counted)
    yield begun
