"""The ticket ledger at scale: a board of 200 tickets worked like the demo's, and its telemetry.

The board gets the demo's own work (agent sessions now and earlier this week, their intervals
counted by the ticket rollups' writers, their checkpoints) in the demo's proportion of sessions
to tickets. Of every bulk batch, the demo's share of records (``demo.TELEMETRY_SHARE``) is that
board's telemetry, made as the demo makes it (demo/telemetry.py, through the receiver's
mappers) and attributed as the receiver would (the interval's ticket, its MCP session). The
harness writes those records with the others and adds them to the ticket rollups with the
service's own ``add_records``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from agent_activity.db.base import new_id, utcnow
from agent_activity.db.models import Org, Project, Ticket, User
from agent_activity.demo import telemetry
from agent_activity.demo.ledger import PRIVACY, segments, sources
from agent_activity.demo.presence import HISTORY_SESSIONS, current, history, store_work
from agent_activity.demo.world import PROJECTS, DemoWorld
from agent_activity.domain.activity.store import normalise
from agent_activity.domain.tenancy import orgs as tenancy
from agent_activity.domain.tenancy.access import ProjectRef
from agent_activity.domain.tenancy.principal import INGEST, Principal
from agent_activity.domain.tickets.rollup import add_records
from agent_activity.otlp.items import Source

BOARD_TICKETS = 200
# The demo works a board of six tickets with four sessions of now and HISTORY_SESSIONS earlier.
DEMO_TICKETS = len(next(iter(PROJECTS.values())))


def board_tickets(project: Project, count: int, title: str) -> list[Ticket]:
    """``count`` tickets spread over the board's columns; ``title`` has a ``{number}``."""
    return [
        Ticket(
            id=new_id(),
            org_id=project.org_id,
            project_id=project.id,
            number=number,
            title=title.format(number=number),
            column=project.board_columns[(number - 1) % len(project.board_columns)],
            position=number,
        )
        for number in range(1, count + 1)
    ]


async def build_board(
    session: AsyncSession, demo_world: DemoWorld, org: Org, admin: User
) -> dict[str, Any]:
    """The 200-ticket board and its work; returns what the producer needs, as JSON."""
    rng = random.Random(26)
    now = utcnow()
    workspace = demo_world.workspaces[0]
    project = await tenancy.create_project(session, workspace, "Ledger board")
    tickets = board_tickets(project, BOARD_TICKETS, "Ledger ticket {number}")
    session.add_all(tickets)
    await session.flush()
    done = []
    for _ in range(round(BOARD_TICKETS / DEMO_TICKETS)):
        done += current(project, tickets, demo_world.users, now, rng)
        done += history(project, tickets, demo_world.users, now, rng, HISTORY_SESSIONS)
    await store_work(session, done, rng)
    by_user = await sources(session, org, done, now)
    found, weights = segments(done)
    return {
        "project_id": str(project.id),
        "workspace_id": str(workspace.id),
        "tokens": {user: str(source.principal.token_id) for user, source in by_user.items()},
        "sessions": [
            {"id": str(w.agent.id), "user_id": w.agent.user_id, "origin": w.agent.caller_origin}
            for w in done
        ],
        "segments": [
            [index, start.isoformat(), end.isoformat(), str(ticket) if ticket else None]
            for index, start, end, ticket in found
        ],
        "weights": weights,
    }


@dataclass
class BoardTelemetry:
    """Draws the board's telemetry records, as normalised rows, attributed as the receiver
    attributes them."""

    board: dict[str, Any]
    org_id: uuid.UUID
    rng: random.Random

    def __post_init__(self) -> None:
        sessions = self.board["sessions"]
        self.agents = [
            telemetry.AgentTelemetry.new(telemetry.agent_of_origin(s["origin"] or ""), self.rng)
            for s in sessions
        ]
        project = ProjectRef(
            uuid.UUID(self.board["project_id"]), self.org_id, uuid.UUID(self.board["workspace_id"])
        )
        self.sources = {
            user: Source(
                Principal(
                    uuid.UUID(token), self.org_id, "user", uuid.UUID(user), frozenset([INGEST])
                ),
                project,
                utcnow(),
                PRIVACY,
            )
            for user, token in self.board["tokens"].items()
        }
        self.segments = [
            (index, datetime.fromisoformat(start), datetime.fromisoformat(end), ticket)
            for index, start, end, ticket in self.board["segments"]
        ]

    def rows(self, count: int, received_at: datetime) -> list[dict[str, Any]]:
        picked = self.rng.choices(self.segments, weights=self.board["weights"], k=count)
        rows = []
        for index, start, end, ticket in picked:
            agent = self.agents[index]
            session = self.board["sessions"][index]
            at = start + (end - start) * self.rng.random()
            events = telemetry.work(agent, self.rng, at, at + timedelta(microseconds=1), 1)
            source = self.sources[session["user_id"]]
            for item in telemetry.mapped(source, telemetry.export(agent, events)):
                record = item.record
                record["record_metadata"]["mcp_session_id"] = session["id"]
                record.update(
                    id=new_id(),
                    org_id=self.org_id,
                    external_id=item.external_id,
                    ticket_id=ticket,
                    received_at=received_at,
                )
                rows.append(normalise(record))
        return rows


async def add_ticket_rollups(engine: AsyncEngine, rows: Sequence[dict[str, Any]]) -> None:
    """The ticket rollups of bulk-written records, by the service's own writer."""
    if rows:
        async with engine.begin() as connection:
            await add_records(connection, rows)
