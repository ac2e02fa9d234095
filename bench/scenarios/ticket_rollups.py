"""What the ticket rollups cost ingest: the same batches of ticket-attributed records written
through ``write_activity_records`` with and without the ticket rollups, side by side.

Only the OTLP receiver and MCP tool calls attribute records to tickets (the ingest API's
records carry none), and both store them through ``write_activity_records``, so that is what is
timed, in this process and its own transactions: one batch per transaction, committed, as the
receiver does. The two sides alternate batch by batch (which goes first alternates too) and
write copies of the same records under fresh ids, so they see the same table sizes and machine. The
records are telemetry-shaped (tool calls, and model requests with tokens and cost) on a board of
200 tickets worked on by 8 agent sessions of 2 people with 3 models, in two shapes of batch
(``SHAPES``): one agent session's export, and records spread over the whole board, a worst case
for the rollups that no single exporter sends.

Run on its own: ``uv run python -m bench.scenarios.ticket_rollups [--engine sqlite|postgresql]
[--records N]`` (a fresh database, migrated, dropped at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_activity.bootstrap import init_org
from agent_activity.config import Settings
from agent_activity.db.engine import create_engine, create_sessionmaker
from agent_activity.db.models import AgentSession, Project, Workspace
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.tenancy.orgs import create_project
from agent_activity.domain.tickets.cards import create_ticket
from bench.context import Context
from bench.report import Row, verdict
from bench.stats import fmt_count
from bench.storage import create_database, drop_database

SCENARIO = "ticket rollups: ingest with / without, records/s (batches of {batch:,}, {shape})"
# "exports": each batch is one agent session's minute of work on its ticket, as one OTLP export
# is; "spread": every batch's records over the whole board, as no single exporter sends.
SHAPES = ("exports", "spread")
TARGET = "≥ 0.9x without"
TICKETS = 200
AGENTS = 8
USERS = 2
MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5", "gpt-5")
BATCH = 500


@dataclass(frozen=True)
class Board:
    org_id: uuid.UUID
    workspace_id: str
    tickets: list[uuid.UUID]
    agents: list[uuid.UUID]
    users: list[str]


async def arrange(
    sessionmaker: async_sessionmaker[AsyncSession], project_id: uuid.UUID, now: datetime
) -> Board:
    """A board of its own (so other scenarios' boards keep their size) in the workspace of
    ``project_id``, with ``TICKETS`` tickets and ``AGENTS`` agent sessions."""
    async with sessionmaker() as session, session.begin():
        beside = (await session.scalars(select(Project).where(Project.id == project_id))).one()
        workspace = await session.get(Workspace, beside.workspace_id)
        assert workspace is not None
        project = await create_project(session, workspace, f"Rollups {uuid.uuid4().hex[:6]}")
        tickets = [
            (await create_ticket(session, project, f"Rollup ticket {i}", now)).id
            for i in range(TICKETS)
        ]
        users = [str(uuid.uuid4()) for _ in range(USERS)]
        sessions = [
            AgentSession(
                session_key=f"bench-rollups-{uuid.uuid4().hex}",
                org_id=project.org_id,
                project_id=project.id,
                user_id=users[i % USERS],
                machine_id="bench",
                client_name="claude-code",
                caller_role="dev",
                connected_at=now,
                last_activity_at=now,
            )
            for i in range(AGENTS)
        ]
        session.add_all(sessions)
        await session.flush()
        return Board(
            project.org_id,
            str(project.workspace_id),
            tickets,
            [agent.id for agent in sessions],
            users,
        )


def make_records(
    board: Board, now: datetime, count: int, seed: int, shape: str
) -> list[dict[str, Any]]:
    """``count`` telemetry-shaped records as the OTLP receiver attributes them, in batches of
    ``BATCH`` of one of the ``SHAPES``."""
    rng = random.Random(seed)
    records = []
    for index in range(count):
        if shape == "spread":
            ticket = rng.randrange(TICKETS)
            agent = ticket % AGENTS
            at = now - timedelta(seconds=rng.uniform(0, 3600))
        else:
            if index % BATCH == 0:
                ticket, agent = rng.randrange(TICKETS), rng.randrange(AGENTS)
                first = now - timedelta(seconds=rng.uniform(60, 3600))
            at = first + timedelta(seconds=rng.uniform(0, 60))
        metadata: dict[str, Any] = {
            "source": "otlp",
            "agent": "claude-code",
            "mcp_session_id": str(board.agents[agent]),
        }
        record: dict[str, Any] = {
            "org_id": board.org_id,
            "timestamp": at,
            "workspace_id": board.workspace_id,
            "user_id": board.users[agent % USERS],
            "ticket_id": str(board.tickets[ticket]),
            "agent_session_id": f"telemetry-{agent}",
            "duration_ms": rng.uniform(5, 900),
        }
        if rng.random() < 0.6:
            metadata["event"] = "tool_result"
            record.update(action="tool_call", resource_type="tool", resource_id="Bash")
            record["success"] = rng.random() > 0.1
        else:
            model = rng.choice(MODELS)
            metadata.update(event="api_request", model=model, cost_usd=rng.uniform(0, 0.05))
            record.update(action="model_request", resource_type="model", resource_id=model)
            record["token_usage"] = {
                "input_tokens": rng.randrange(2000),
                "output_tokens": rng.randrange(800),
                "cache_read_tokens": rng.randrange(20000),
                "cache_creation_tokens": rng.randrange(3000),
            }
        record["record_metadata"] = metadata
        records.append(record)
    return records


def fresh_copies(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same records under new ids, as a second export of new facts would carry."""
    return [
        {**record, "external_id": f"otlp:bench:{uuid.uuid4().hex}", "received_at": None}
        for record in records
    ]


async def write_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
    records: Sequence[dict[str, Any]],
    *,
    ticket_rollups: bool,
) -> float:
    """Seconds to store one batch in one committed transaction, as the receiver does."""
    batch = fresh_copies(records)
    started = time.perf_counter()
    async with sessionmaker() as session:
        await write_activity_records(session, batch, ticket_rollups=ticket_rollups)
        await session.commit()
    return time.perf_counter() - started


async def side_by_side(
    sessionmaker: async_sessionmaker[AsyncSession],
    board: Board,
    records_per_side: int,
    shape: str,
) -> dict[str, float]:
    """Records/s with and without the ticket rollups (a batch's median time each), and the
    median ratio of the rounds. A round is one batch written each way, so the machine's drift,
    slower than a batch, affects both alike."""
    now = datetime.now(UTC)
    rounds = max(2, records_per_side // BATCH)
    records = make_records(board, now, rounds * BATCH, 0, shape)
    seconds: dict[bool, list[float]] = {True: [], False: []}
    for index in range(rounds):
        batch = records[index * BATCH : (index + 1) * BATCH]
        for with_rollups in (True, False) if index % 2 == 0 else (False, True):
            taken = await write_batch(sessionmaker, batch, ticket_rollups=with_rollups)
            seconds[with_rollups].append(taken)
    # Medians: a batch that happens to pay a WAL checkpoint or a GC pass is either side's. The
    # ratio is the median of each round's own, whose two batches ran back to back.
    with_rate = BATCH / statistics.median(seconds[True])
    without_rate = BATCH / statistics.median(seconds[False])
    pairs = zip(seconds[True], seconds[False], strict=True)
    ratio = statistics.median(without / with_ for with_, without in pairs)
    written = rounds * BATCH
    return {
        "with_per_s": with_rate,
        "without_per_s": without_rate,
        "ratio": ratio,
        "records_per_side": written,
    }


async def measure_ticket_rollups(ctx: Context, data: str) -> None:
    settings = Settings(database_url=ctx.database.url, log_level="warning")
    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        board = await arrange(sessionmaker, uuid.UUID(ctx.world.project_ids[0]), ctx.now)
        for shape in SHAPES:
            figures = await side_by_side(sessionmaker, board, ctx.sizes.ingest_records, shape)
            ctx.rows.append(row_of(ctx.engine, data, shape, figures))
    finally:
        await engine.dispose()


def row_of(engine: str, data: str, shape: str, figures: dict[str, float]) -> Row:
    ratio = figures["ratio"]
    return Row(
        engine,
        data,
        SCENARIO.format(batch=BATCH, shape=shape),
        f"{fmt_count(figures['with_per_s'])}/s",
        f"{fmt_count(figures['without_per_s'])}/s",
        f"{ratio:.2f}",
        TARGET,
        verdict(ratio >= 0.9),
        figures,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--records", type=int, default=10_000, help="per side")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        postgres = "postgresql://postgres@127.0.0.1:5432/postgres"
        database = await create_database(args.engine, Path(directory), postgres)
        try:
            settings = Settings(database_url=database.url, log_level="warning")
            engine = create_engine(settings)
            try:
                sessionmaker = create_sessionmaker(engine)
                async with sessionmaker() as session, session.begin():
                    created = await init_org(
                        session,
                        org_name="Bench Org",
                        workspace_name="Bench",
                        project_name="Rollups",
                        email="admin@bench.test",
                        user_name="Bench Admin",
                    )
                board = await arrange(sessionmaker, created.project_id, datetime.now(UTC))
                for shape in SHAPES:
                    figures = await side_by_side(sessionmaker, board, args.records, shape)
                    print(" | ".join(row_of(args.engine, "fresh database", shape, figures).cells()))
            finally:
                await engine.dispose()
        finally:
            await drop_database(database, postgres)


if __name__ == "__main__":
    asyncio.run(main())
