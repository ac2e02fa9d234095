"""Arrangements shared by the ticket usage tests: tickets, agent sessions and the writes that
feed the rollups, made through the domain functions the service itself calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from agent_activity.db.models import AgentSession, Project, Ticket
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.errors import Conflict
from agent_activity.domain.presence.checkpoints import add_checkpoint
from agent_activity.domain.presence.sessions import start_work, stop_work
from agent_activity.domain.tickets.cards import create_ticket
from agent_activity.runtime import Runtime
from tests.api.projects.helpers import assert_error
from tests.factories import Tenant


@dataclass(frozen=True)
class Board:
    tenant: Tenant
    tickets: list[uuid.UUID]
    agents: list[uuid.UUID]


async def make_board(
    runtime: Runtime, tenant: Tenant, now: datetime, tickets: int = 3, agents: int = 2
) -> Board:
    async with runtime.sessionmaker() as session, session.begin():
        project = await session.get(Project, tenant.project_id)
        assert project is not None
        made = [
            (await create_ticket(session, project, f"Ticket {i}", now)).id for i in range(tickets)
        ]
        sessions = [
            AgentSession(
                session_key=f"key-{uuid.uuid4().hex}",
                org_id=tenant.org_id,
                project_id=tenant.project_id,
                user_id=str(tenant.user_id),
                machine_id="m",
                client_name=("claude-code", "codex")[i % 2],
                caller_role="dev",
                connected_at=now,
                last_activity_at=now,
            )
            for i in range(agents)
        ]
        session.add_all(sessions)
        await session.flush()
        return Board(tenant, made, [agent.id for agent in sessions])


async def start(runtime: Runtime, board: Board, agent: int, ticket: int, now: datetime) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        row = await session.get(AgentSession, board.agents[agent])
        assert row is not None
        found = await session.get(Ticket, board.tickets[ticket])
        assert found is not None
        await start_work(session, row, found, "dev", now)


async def stop(runtime: Runtime, board: Board, agent: int, now: datetime) -> bool:
    """Stop the agent's work; False when it had none open."""
    async with runtime.sessionmaker() as session, session.begin():
        row = await session.get(AgentSession, board.agents[agent])
        assert row is not None
        try:
            await stop_work(session, row, now)
        except Conflict:
            return False
    return True


async def checkpoint(runtime: Runtime, board: Board, ticket: int, now: datetime) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        await add_checkpoint(
            session,
            {
                "org_id": board.tenant.org_id,
                "project_id": board.tenant.project_id,
                "ticket_id": board.tickets[ticket],
                "agent_role": "dev",
                "status": "working",
                "progress_pct": 50.0,
                "created_at": now,
            },
        )


async def write(runtime: Runtime, records: list[dict[str, Any]]) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        await write_activity_records(session, records)


def telemetry(
    board: Board, ticket: uuid.UUID | str | None, at: datetime, agent: int, **fields: Any
) -> dict[str, Any]:
    """A record as the OTLP receiver makes it, attributed to ``ticket``."""
    metadata = {"source": "otlp", "mcp_session_id": str(board.agents[agent])}
    return {
        "org_id": board.tenant.org_id,
        "timestamp": at,
        "ticket_id": str(ticket) if ticket else None,
        "user_id": str(board.tenant.user_id),
        "agent_session_id": "telemetry-1",
        **fields,
        "record_metadata": {**metadata, **fields.get("record_metadata", {})},
    }


def tool_call(
    board: Board,
    ticket: uuid.UUID | str | None,
    at: datetime,
    *,
    success: bool = True,
    agent: int = 0,
) -> dict[str, Any]:
    return telemetry(
        board, ticket, at, agent, action="tool_call", resource_type="tool", resource_id="Bash",
        success=success,
    )  # fmt: skip


def model_request(
    board: Board,
    ticket: uuid.UUID | str | None,
    at: datetime,
    model: str,
    tokens: tuple[int, int, int, int],
    cost_usd: float | None,
    agent: int = 0,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"model": model}
    if cost_usd is not None:
        metadata["cost_usd"] = cost_usd
    kinds = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens")
    return telemetry(
        board, ticket, at, agent, action="model_request", resource_type="model",
        resource_id=model, token_usage=dict(zip(kinds, tokens, strict=True)),
        record_metadata=metadata,
    )  # fmt: skip


async def usage_of(
    client: httpx.AsyncClient, tenant: Tenant, ticket: int | uuid.UUID = 1
) -> dict[str, Any]:
    """``GET …/tickets/{ticket}/usage``, answered 200."""
    response = await client.get(
        f"/api/projects/{tenant.project_id}/tickets/{ticket}/usage", headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def assert_refused(client: httpx.AsyncClient, tenant: Tenant, paths: Iterable[str]) -> None:
    """Each path is a validation error (400 or 422) in the project family's error shape."""
    for path in paths:
        response = await client.get(path, headers=tenant.headers)
        assert response.status_code in (400, 422), (path, response.text)
        assert_error(response.json(), response.json()["code"])


async def assert_missing(
    client: httpx.AsyncClient, headers: dict[str, str], paths: Iterable[str]
) -> None:
    """Each path is 404 ``NOT_FOUND`` in the project family's error shape for ``headers``."""
    for path in paths:
        response = await client.get(path, headers=headers)
        assert response.status_code == 404, (path, response.text)
        assert_error(response.json(), "NOT_FOUND")
