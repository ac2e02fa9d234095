"""`agent-activity retention`: set an org's retention, or run a pass now (or say what it would
remove). It uses the configured database directly, as export and verify do."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

import typer
from rich.console import Console

from agent_activity.config import Settings
from agent_activity.db.base import utcnow
from agent_activity.db.engine import create_engine, create_sessionmaker
from agent_activity.db.migrate import upgrade
from agent_activity.db.models import Org
from agent_activity.domain.activity.retention import OrgRetention, Retention, plan_retention

console = Console()


def retention(
    org: Annotated[uuid.UUID | None, typer.Option(help="Only this org; else every org.")] = None,
    days: Annotated[
        int | None,
        typer.Option(min=1, max=36500, help="Set the org's own retention to this many days."),
    ] = None,
    default: Annotated[
        bool, typer.Option("--default", help="Clear the org's own retention (the default applies).")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Only say how much a pass would remove.")] = False,
) -> None:
    """Run a retention pass now (or --dry-run), or set an org's retention (--days/--default)."""
    settings = Settings()
    if days is not None or default:
        if org is None or (days is not None and default):
            raise typer.BadParameter("--days or --default, with --org")
        asyncio.run(_set(settings, org, None if default else days))
        console.print(f"org {org}: retention {days or 'default'} ({_default(settings)})")
        return
    for plan in asyncio.run(_pass(settings, org, dry_run)) or []:
        verb = "would remove" if dry_run else "removed"
        line = (
            f"org {plan.org_id}: {plan.days} days, before {plan.cutoff:%Y-%m-%d}: {verb}"
            f" {plan.records} records and {plan.buckets} rollup rows"
        )
        console.print(
            line if plan.problem is None else f"[red]{line}; stopped[/red]: {plan.problem}"
        )


def _default(settings: Settings) -> str:
    days = settings.retention_days
    return f"the default is {days} days" if days else "the default keeps everything"


async def _set(settings: Settings, org_id: uuid.UUID, days: int | None) -> None:
    engine = create_engine(settings)
    try:
        await upgrade(engine)
        async with create_sessionmaker(engine)() as session, session.begin():
            org = await session.get(Org, org_id)
            if org is None:
                raise typer.BadParameter(f"no org {org_id}")
            org.retention_days = days
    finally:
        await engine.dispose()


async def _pass(settings: Settings, org_id: uuid.UUID | None, dry_run: bool) -> list[OrgRetention]:
    engine = create_engine(settings)
    try:
        await upgrade(engine)
        sessions = create_sessionmaker(engine)
        if dry_run:
            async with sessions() as session:
                return await plan_retention(session, settings.retention_days, utcnow(), org_id)
        job = Retention(sessions, settings.retention_days, utcnow, settings.retention_batch_size)
        done = await job.run_pass(org_id)
        if done is None:
            console.print("another process is running a retention pass; try again later")
            raise typer.Exit(1)
        return done
    finally:
        await engine.dispose()
