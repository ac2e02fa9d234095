"""The demo's world: workspaces, projects with tickets, people, apps, endpoints, agents."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import (
    Agent,
    AgentVersion,
    App,
    Augmentation,
    Endpoint,
    Org,
    Project,
    Ticket,
    User,
    Workspace,
)
from agent_activity.domain.tenancy import orgs as tenancy

PROJECTS = {
    "Checkout": [
        "Fix flaky payment retry",
        "Add Apple Pay",
        "Refactor cart totals",
        "Upgrade Stripe SDK",
        "Audit PCI logging",
        "Speed up order page",
    ],
    "Mobile App": [
        "Offline mode for lists",
        "Crash on Android 15 resume",
        "Dark mode polish",
        "Push notification opt-in",
        "Reduce bundle size",
        "Accessibility labels",
    ],
    "Data Pipeline": [
        "Backfill March events",
        "Dedupe user ids",
        "Partition events table",
        "Alert on late batches",
        "Migrate to Parquet",
        "Document lineage",
    ],
}
AGENTS = [
    ("Triage Bot", "loop"),
    ("Code Reviewer", "plan_execute"),
    ("Test Writer", "loop"),
    ("Release Manager", "workflow"),
    ("Support Replier", "loop"),
    ("Data Janitor", "workflow"),
]
ORIGINS = ["claude-code", "cursor", "codex"]
ROLES = ["implementer", "reviewer", "tester", "planner"]
PEOPLE = [
    ("alice", "Alice Martin"),
    ("bob", "Bob Okafor"),
    ("chen", "Chen Wei"),
    ("dana", "Dana Kowalski"),
    ("eli", "Eli Haddad"),
]
ACTIONS = (
    ["read"] * 8 + ["create"] * 3 + ["update"] * 3 + ["delete", "execute", "execute", "trigger"]
)
METHODS = {
    "read": "GET",
    "create": "POST",
    "update": "PATCH",
    "delete": "DELETE",
    "execute": "POST",
    "trigger": "POST",
}
ERRORS = [
    (400, "VALIDATION_ERROR"),
    (403, "FORBIDDEN"),
    (404, "RESOURCE_NOT_FOUND"),
    (429, "RATE_LIMITED"),
    (500, "INTERNAL_SERVER_ERROR"),
    (504, "UPSTREAM_TIMEOUT"),
]


@dataclass
class DemoWorld:
    org: Org
    workspaces: list[Workspace]
    projects: list[Project]
    users: list[User]
    agents: list[Agent] = field(default_factory=list)
    apps: list[App] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    augmentations: list[Augmentation] = field(default_factory=list)
    tickets: dict[uuid.UUID, list[Ticket]] = field(default_factory=dict)
    versions: dict[uuid.UUID, list[AgentVersion]] = field(default_factory=dict)


async def build_world(
    session: AsyncSession, org: Org, admin: User, rng: random.Random
) -> DemoWorld:
    """Workspaces, projects with tickets, people, apps, endpoints, augmentations and agents."""
    workspaces = [await tenancy.create_workspace(session, org, n) for n in ("Product", "Data")]
    users = [admin]
    for handle, name in PEOPLE:
        user = await tenancy.get_or_create_user(session, f"{handle}@{org.id.hex[:8]}.demo", name)
        role = rng.choice(["admin", "member", "member", "viewer"])
        await tenancy.grant_role(
            session, user, org_id=org.id, scope_type="org", scope_id=org.id, role=role
        )
        users.append(user)
    world = DemoWorld(org=org, workspaces=workspaces, projects=[], users=users)
    for index, (name, titles) in enumerate(PROJECTS.items()):
        workspace = workspaces[0] if index < 2 else workspaces[1]
        project = await tenancy.create_project(session, workspace, name)
        world.projects.append(project)
        world.tickets[project.id] = []
        for number, title in enumerate(titles, start=1):
            ticket = Ticket(
                org_id=org.id,
                project_id=project.id,
                number=number,
                title=title,
                column=project.board_columns[(number - 1) % len(project.board_columns)],
                position=number,
            )
            session.add(ticket)
            world.tickets[project.id].append(ticket)
    for workspace in workspaces:
        for app_name in (
            ("Support Copilot", "Insights API") if workspace is workspaces[0] else ("ETL Hub",)
        ):
            app = App(org_id=org.id, workspace_id=workspace.id, name=app_name)
            session.add(app)
            await session.flush()
            world.apps.append(app)
            for method, path in (("POST", "/chat"), ("GET", "/reports"), ("POST", "/ingest")):
                world.endpoints.append(
                    Endpoint(
                        org_id=org.id,
                        workspace_id=workspace.id,
                        app_id=app.id,
                        name=f"{method} {path}",
                        method=method,
                        path=path,
                    )
                )
            world.augmentations.append(
                Augmentation(
                    org_id=org.id,
                    workspace_id=workspace.id,
                    app_id=app.id,
                    name=f"{app_name} RAG",
                    total_stages=rng.choice([3, 4, 5]),
                )
            )
    session.add_all([*world.endpoints, *world.augmentations])
    for name, approach in AGENTS:
        agent = Agent(
            org_id=org.id,
            workspace_id=rng.choice(workspaces).id,
            name=name,
            description=f"{name}, simulated by the demo",
            approach=approach,
        )
        session.add(agent)
        world.agents.append(agent)
    await session.flush()
    for agent in world.agents:
        for version in (1, 2):
            row = AgentVersion(
                agent_id=agent.id, version=version, config={"model": rng.choice(["large", "small"])}
            )
            session.add(row)
            world.versions.setdefault(agent.id, []).append(row)
    await session.flush()
    return world
