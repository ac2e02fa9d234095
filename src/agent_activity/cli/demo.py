"""`demo`: fill the database with simulated data, and the helpers `serve --demo` shares."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity import bootstrap, demo
from agent_activity.cli.common import console, err_console, run_with_session
from agent_activity.config import Settings
from agent_activity.db.base import utcnow
from agent_activity.db.models import Org, User

app = typer.Typer()

# A demo token is an owner token: it expires, so restarts do not pile up ones that never do.
DEMO_TOKEN_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class DemoAccess:
    token: str
    org_id: uuid.UUID
    project_id: uuid.UUID


async def issue_demo_access(session: AsyncSession, org: Org, owner: User, name: str) -> DemoAccess:
    expires = utcnow() + DEMO_TOKEN_LIFETIME
    token = await bootstrap.issue_owner_token(session, org, owner, name, expires_at=expires)
    return DemoAccess(token, org.id, await bootstrap.first_project(session, org.id))


def fill_demo(settings: Settings, runs: int, records: int) -> DemoAccess:
    """Demo data in the first org (created when there is none); returns a fresh owner token."""

    async def work(session: AsyncSession) -> DemoAccess:
        if await bootstrap.count_orgs(session) == 0:
            await bootstrap.init_org(
                session,
                org_name="Demo Org",
                workspace_name="Getting started",
                project_name="Onboarding",
                email="admin@demo.test",
                user_name="Demo Admin",
            )
        org, owner = await bootstrap.first_owner(session)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        ) as progress:
            task = progress.add_task("demo data", total=runs + records)

            def report(step: str, done: int) -> None:
                progress.update(task, advance=done, description=f"demo: {step}")

            await demo.fill(
                session, org, owner, utcnow(), runs=runs, records=records, progress=report
            )
        return await issue_demo_access(session, org, owner, "demo")

    return run_with_session(settings, work)


@app.command("demo")
def demo_command(
    runs: Annotated[int, typer.Option(min=0, help="Agent runs to simulate.")] = 500,
    records: Annotated[int, typer.Option(min=0, help="Activity records to simulate.")] = 50_000,
) -> None:
    """Fill the database with realistic simulated data and print a token to look at it.

    Example: agent-activity demo --runs 100 --records 5000
    """
    access = fill_demo(Settings(), runs, records)
    console.print(f"[green]demo data ready[/green] in org {access.org_id}", soft_wrap=True)
    console.print(f"project id: [bold]{access.project_id}[/bold]", soft_wrap=True)
    console.print(f"token (expires in 7 days): [bold]{access.token}[/bold]", soft_wrap=True)


def demo_token(settings: Settings, runs: int, records: int) -> DemoAccess:
    """Demo data on an empty database; on one already filled, just a new owner token."""

    async def existing(session: AsyncSession) -> DemoAccess | None:
        if await bootstrap.count_orgs(session) == 0:
            return None
        org, owner = await bootstrap.first_owner(session)
        return await issue_demo_access(session, org, owner, "serve --demo")

    found = run_with_session(settings, existing)
    return found if found is not None else fill_demo(settings, runs, records)
