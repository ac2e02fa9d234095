"""Realistic simulated data, so every endpoint of the spec has something to show.

Three projects on a board, six agents with sessions that are active, stale and ended, their work
intervals and checkpoints, 500 runs across every status and trigger, and 50,000 activity records
over the last seven days across users, apps, endpoints, augmentations, actions and outcomes.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.base import new_id
from agent_activity.db.models import (
    RUN_STATUSES,
    TRIGGER_TYPES,
    Agent,
    AgentRun,
    AgentSession,
    AgentVersion,
    App,
    Augmentation,
    Checkpoint,
    Endpoint,
    Org,
    Project,
    Ticket,
    User,
    WorkInterval,
    Workspace,
)
from agent_activity.domain import tenancy
from agent_activity.ingest.store import write_activity_records

Progress = Callable[[str, int], None]  # (step description, units done)

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
            session.add(
                AgentVersion(
                    agent_id=agent.id,
                    version=version,
                    config={"model": rng.choice(["large", "small"])},
                )
            )
    await session.flush()
    return world


async def add_presence(
    session: AsyncSession, world: DemoWorld, now: datetime, rng: random.Random
) -> None:
    """Per project: an active session at work, a stale one, and ended ones with history."""
    for project in world.projects:
        tickets = world.tickets[project.id]
        for state, silent_s in (("active", 5), ("stale", 95), ("ended", 3600), ("ended", 7200)):
            user = rng.choice(world.users)
            origin = rng.choice(ORIGINS)
            role = rng.choice(ROLES)
            connected = now - timedelta(seconds=silent_s + rng.randint(600, 5400))
            last = now - timedelta(seconds=silent_s)
            agent_session = AgentSession(
                session_key=f"demo-{new_id().hex}",
                org_id=world.org.id,
                project_id=project.id,
                user_id=str(user.id),
                machine_id=f"{user.email.split('@')[0]}-laptop",
                caller_role=role,
                caller_origin=origin,
                client_name=origin,
                client_version="1.0",
                protocol=rng.choice(["sessionless", "legacy"]),
                connected_at=connected,
                last_activity_at=last,
                ended_at=last if state == "ended" else None,
            )
            session.add(agent_session)
            await session.flush()
            cursor = connected
            for _ in range(rng.randint(2, 4)):
                ticket = rng.choice(tickets)
                start = cursor + timedelta(seconds=rng.randint(30, 300))
                end = start + timedelta(seconds=rng.randint(120, 900))
                if end >= last:
                    break
                session.add(
                    WorkInterval(
                        org_id=world.org.id,
                        project_id=project.id,
                        session_id=agent_session.id,
                        ticket_id=ticket.id,
                        agent_role=role,
                        origin=origin,
                        started_at=start,
                        ended_at=end,
                        duration_seconds=int((end - start).total_seconds()),
                    )
                )
                cursor = end
            ticket = rng.choice(tickets)
            if state != "ended":
                session.add(
                    WorkInterval(
                        org_id=world.org.id,
                        project_id=project.id,
                        session_id=agent_session.id,
                        ticket_id=ticket.id,
                        agent_role=role,
                        origin=origin,
                        started_at=max(cursor, last - timedelta(minutes=rng.randint(5, 40))),
                    )
                )
            for step, pct in enumerate((10, 35, 60, 85)):
                session.add(
                    Checkpoint(
                        org_id=world.org.id,
                        project_id=project.id,
                        session_id=agent_session.id,
                        ticket_id=ticket.id,
                        agent_role=role,
                        status=["planning", "implementing", "testing", "reviewing"][step],
                        progress_pct=float(pct),
                        details=f"Step {step + 1} on #{ticket.number}",
                        created_at=last - timedelta(minutes=(4 - step) * 7),
                    )
                )
    await session.flush()


def make_run(
    world: DemoWorld, agent: Agent, now: datetime, rng: random.Random, index: int
) -> AgentRun:
    status = (
        RUN_STATUSES[index % len(RUN_STATUSES)]
        if index < 60
        else rng.choices(RUN_STATUSES, weights=[3, 4, 70, 12, 6, 5])[0]
    )
    created = now - timedelta(seconds=rng.randint(60, 7 * 86400))
    started = None if status == "pending" else created + timedelta(seconds=rng.randint(0, 30))
    completed = None
    if status not in ("pending", "running") and started is not None:
        completed = started + timedelta(seconds=rng.randint(5, 900))
    prompt, output = rng.randint(200, 20000), rng.randint(50, 4000)
    if status == "pending":
        prompt = output = 0
    return AgentRun(
        org_id=world.org.id,
        agent_id=agent.id,
        scratchpad_uid=new_id(),
        workflow_id=f"agent-{agent.approach}-{agent.id.hex[:8]}",
        approach=agent.approach,
        status=status,
        sandbox=rng.random() < 0.15,
        trigger_type=TRIGGER_TYPES[index % len(TRIGGER_TYPES)]
        if index < 40
        else rng.choice(TRIGGER_TYPES),
        started_on=started,
        completed_on=completed,
        created_on=created,
        updated_on=completed or created,
        token_usage={"input_tokens": prompt, "output_tokens": output},
        total_tokens=prompt + output,
        error="Tool call timed out" if status == "failed" else None,
    )


def make_activity(world: DemoWorld, now: datetime, rng: random.Random) -> dict[str, Any]:
    action = rng.choice(ACTIONS)
    user = rng.choice(world.users)
    endpoint = rng.choice(world.endpoints)
    augmentation = next((a for a in world.augmentations if a.app_id == endpoint.app_id), None)
    kind = rng.random()
    resource_type, resource_id = "endpoint", str(endpoint.id)
    if kind < 0.25 and augmentation is not None:
        resource_type, resource_id = "augmentation", str(augmentation.id)
    elif kind < 0.35:
        resource_type, resource_id = "app", str(endpoint.app_id)
    elif kind < 0.45:
        resource_type, resource_id = "agent_run", str(new_id())
    elif kind < 0.5:
        resource_type, resource_id = "workspace", str(endpoint.workspace_id)
    failed = rng.random() < 0.08
    status_code, error_code = rng.choice(ERRORS) if failed else (200, None)
    if not failed and action == "create":
        status_code = 201
    uses_model = action in ("execute", "trigger") or resource_type == "augmentation"
    tokens = (
        {"input_tokens": rng.randint(100, 8000), "output_tokens": rng.randint(20, 1500)}
        if uses_model
        else None
    )
    stages = (
        augmentation.total_stages
        if augmentation is not None and resource_type == "augmentation"
        else None
    )
    return {
        "id": new_id(),
        "org_id": world.org.id,
        "timestamp": now - timedelta(seconds=rng.uniform(0, 7 * 86400)),
        "trace_id": uuid.uuid4().hex,
        "user_id": str(user.id),
        "workspace_id": str(endpoint.workspace_id),
        "app_id": str(endpoint.app_id),
        "endpoint_id": str(endpoint.id),
        "principal_type": "user",
        "principal_id": str(user.id),
        "token_id": None,
        "token_type": "api_token",
        "method": METHODS[action],
        "path": f"/v1/apps/{endpoint.app_id}{endpoint.path}",
        "resource_type": resource_type,
        "resource_id": resource_id,
        "action": action,
        "status_code": status_code,
        "success": not failed,
        "error_code": error_code,
        "duration_ms": round(rng.lognormvariate(4.2, 0.9), 2),
        "execution_id": uuid.uuid4().hex if uses_model else None,
        "augmentation_id": str(augmentation.id)
        if resource_type == "augmentation" and augmentation
        else None,
        "stages_completed": (stages if not failed else rng.randint(0, stages - 1))
        if stages
        else None,
        "total_stages": stages,
        "token_usage": tokens,
        "total_tokens": sum(tokens.values()) if tokens else 0,
        "record_metadata": {"source": "demo"},
        "received_at": now,
    }


async def fill(
    session: AsyncSession,
    org: Org,
    admin: User,
    now: datetime,
    *,
    runs: int = 500,
    records: int = 50_000,
    seed: int = 7,
    progress: Progress | None = None,
) -> DemoWorld:
    """Fill ``org`` with the demo world; the caller commits."""
    rng = random.Random(seed)
    report = progress or (lambda _step, _n: None)
    world = await build_world(session, org, admin, rng)
    await add_presence(session, world, now, rng)
    report("board and presence", 0)
    for index in range(runs):
        session.add(make_run(world, world.agents[index % len(world.agents)], now, rng, index))
        if index % 100 == 99:
            await session.flush()
            report("runs", 100)
    await session.flush()
    batch_size = 1000
    for start in range(0, records, batch_size):
        batch = [make_activity(world, now, rng) for _ in range(min(batch_size, records - start))]
        await write_activity_records(session, batch)
        report("activity records", len(batch))
    return world
