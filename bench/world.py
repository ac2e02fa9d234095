"""The org the benchmark works in, built through the project's own code as `init` and `demo` do.

`World` is what every other part needs to know about it (ids and tokens), as plain JSON so the
load generator process can rebuild it; `demo_world` turns it back into the transient
`DemoWorld` that `agent_activity.demo.make_activity` draws records from.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from agent_activity import bootstrap, demo
from agent_activity.db.engine import create_sessionmaker
from agent_activity.db.models import Agent, Augmentation, Endpoint, Org, User
from agent_activity.domain.tenancy import orgs as tenancy
from agent_activity.domain.tenancy.principal import ALL_SCOPES
from agent_activity.domain.tenancy.tokens import create_token
from bench.ledger import board_tickets, build_board

TICKETS_PER_PROJECT = 6
EXTRA_AGENTS = 24  # besides the demo's six; the runs not of the hot agent spread over all


@dataclass(frozen=True)
class World:
    org_id: str
    token: str  # the owner's token with every scope
    mcp_tokens: list[str]  # one per simulated developer, all owned by the org's owner
    user_ids: list[str]
    workspace_ids: list[str]
    endpoints: list[dict[str, str]]  # id, app_id, workspace_id, path
    augmentations: list[dict[str, Any]]  # id, app_id, total_stages
    project_ids: list[str]  # the projects the MCP clients connect to
    agent_ids: list[str]
    agent_approaches: list[str]
    hot_agent_id: str  # the agent with the measured runs list
    # The 200-ticket board of the ticket usage scenario and its work (bench/ledger.py).
    ledger: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> World:
        return cls(**data)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def build_world(session: AsyncSession, mcp_projects: int, mcp_tokens: int = 10) -> World:
    """An org as `init` makes it, filled like `demo` does, plus projects for the MCP clients."""
    rng = random.Random(7)
    created = await bootstrap.init_org(
        session,
        org_name="Bench Org",
        workspace_name="Getting started",
        project_name="Onboarding",
        email="admin@bench.test",
        user_name="Bench Admin",
    )
    org = await session.get(Org, created.org_id)
    admin = await session.get(User, created.user_id)
    assert org is not None and admin is not None
    world = await demo.build_world(session, org, admin, rng)
    projects = list(world.projects)
    for index in range(len(projects), mcp_projects):
        workspace = world.workspaces[index % len(world.workspaces)]
        project = await tenancy.create_project(session, workspace, f"Board {index + 1}")
        title = f"Ticket {{number}} of board {index + 1}"
        session.add_all(board_tickets(project, TICKETS_PER_PROJECT, title))
        projects.append(project)
    agents = list(world.agents)
    for index in range(EXTRA_AGENTS):
        name, approach = demo.AGENTS[index % len(demo.AGENTS)]
        agent = Agent(
            org_id=org.id,
            workspace_id=world.workspaces[index % len(world.workspaces)].id,
            name=f"{name} {index + 2}",
            approach=approach,
        )
        session.add(agent)
        agents.append(agent)
    await session.flush()
    ledger = await build_board(session, world, org, admin)
    tokens = []
    for index in range(mcp_tokens):
        issued = await create_token(
            session,
            org_id=org.id,
            principal_type="user",
            principal_id=admin.id,
            name=f"bench agent {index}",
            scopes=list(ALL_SCOPES),
        )
        tokens.append(issued.secret)
    return World(
        org_id=str(org.id),
        token=created.token,
        mcp_tokens=tokens,
        user_ids=[str(user.id) for user in world.users],
        workspace_ids=[str(workspace.id) for workspace in world.workspaces],
        endpoints=[
            {
                "id": str(e.id),
                "app_id": str(e.app_id),
                "workspace_id": str(e.workspace_id),
                "path": e.path,
            }
            for e in world.endpoints
        ],
        augmentations=[
            {"id": str(a.id), "app_id": str(a.app_id), "total_stages": a.total_stages}
            for a in world.augmentations
        ],
        project_ids=[str(project.id) for project in projects[:mcp_projects]],
        agent_ids=[str(agent.id) for agent in agents],
        agent_approaches=[agent.approach for agent in agents],
        hot_agent_id=str(agents[0].id),
        ledger=ledger,
    )


async def make_world(database_url: str, mcp_projects: int) -> World:
    """The world built in the database at ``database_url``, in one transaction."""
    engine = create_async_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await build_world(session, mcp_projects)
    finally:
        await engine.dispose()


def demo_world(world: World) -> demo.DemoWorld:
    """Transient model objects carrying just what demo.make_activity / make_run read."""
    org = Org(id=uuid.UUID(world.org_id), name="Bench Org")
    users = [User(id=uuid.UUID(u), email=f"{u}@bench.test", name=u) for u in world.user_ids]
    result = demo.DemoWorld(org=org, workspaces=[], projects=[], users=users)
    result.endpoints = [
        Endpoint(
            id=uuid.UUID(e["id"]),
            app_id=uuid.UUID(e["app_id"]),
            workspace_id=uuid.UUID(e["workspace_id"]),
            path=e["path"],
        )
        for e in world.endpoints
    ]
    result.augmentations = [
        Augmentation(
            id=uuid.UUID(a["id"]), app_id=uuid.UUID(a["app_id"]), total_stages=a["total_stages"]
        )
        for a in world.augmentations
    ]
    result.agents = [
        Agent(id=uuid.UUID(agent_id), org_id=org.id, approach=approach)
        for agent_id, approach in zip(world.agent_ids, world.agent_approaches, strict=True)
    ]
    return result
