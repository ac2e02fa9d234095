"""The `agent-activity` command: serve, migrate, init, demo, token."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity import bootstrap, demo, storage_cli
from agent_activity.config import Settings
from agent_activity.db.base import utcnow
from agent_activity.db.engine import create_engine, create_sessionmaker
from agent_activity.db.migrate import upgrade
from agent_activity.domain.errors import DomainError
from agent_activity.domain.tenancy.principal import DEFAULT_SCOPES
from agent_activity.domain.tenancy.tokens import create_token, list_tokens, revoke_token

app = typer.Typer(help="Agent Activity: what your AI agents are doing.", no_args_is_help=True)
token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")


def run_with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Migrate, then run ``work`` in one committed transaction."""

    async def main() -> T:
        engine = create_engine(settings)
        try:
            await upgrade(engine)
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except (DomainError, LookupError) as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (serve does this on start too)."""
    settings = Settings()

    async def main() -> None:
        engine = create_engine(settings)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(main())
    console.print("[green]database is up to date[/green]")


@app.command()
def init(
    org: Annotated[str, typer.Option(help="Name of the org.")] = "My Org",
    workspace: Annotated[str, typer.Option(help="Name of the first workspace.")] = "Main",
    project: Annotated[str, typer.Option(help="Name of the first project.")] = "Board",
    email: Annotated[str, typer.Option(help="The admin user's email.")] = "admin@example.com",
    name: Annotated[str, typer.Option(help="The admin user's name.")] = "Admin",
    as_json: Annotated[bool, typer.Option("--json", help="Print ids and token as JSON.")] = False,
) -> None:
    """Create an org, a workspace, a project and an admin user with a token."""

    async def work(session: AsyncSession) -> bootstrap.InitResult:
        return await bootstrap.init_org(
            session,
            org_name=org,
            workspace_name=workspace,
            project_name=project,
            email=email,
            user_name=name,
        )

    result = run_with_session(Settings(), work)
    if as_json:
        print(json.dumps(result.as_json()))
        return
    table = Table(show_header=False)
    for key, value in result.as_json().items():
        table.add_row(key, value)
    console.print(table)
    console.print("[yellow]The token is shown once; keep it safe.[/yellow]")


def fill_demo(settings: Settings, runs: int, records: int) -> tuple[str, uuid.UUID]:
    """Demo data in the first org (created when there is none); returns a fresh owner token."""

    async def work(session: AsyncSession) -> tuple[str, uuid.UUID]:
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
        return await bootstrap.issue_owner_token(session, org, owner, "demo"), org.id

    return run_with_session(settings, work)


@app.command("demo")
def demo_command(
    runs: Annotated[int, typer.Option(min=0, help="Agent runs to simulate.")] = 500,
    records: Annotated[int, typer.Option(min=0, help="Activity records to simulate.")] = 50_000,
) -> None:
    """Fill the database with realistic simulated data and print a token to look at it."""
    token, org_id = fill_demo(Settings(), runs, records)
    console.print(f"[green]demo data ready[/green] in org {org_id}", soft_wrap=True)
    console.print(f"token: [bold]{token}[/bold]", soft_wrap=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address [default: settings.host].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: settings.port].")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Server processes.")] = None,
    with_demo: Annotated[
        bool, typer.Option("--demo", help="On an empty database, init and fill demo data first.")
    ] = False,
    demo_runs: Annotated[int, typer.Option(min=0, help="Runs --demo simulates.")] = 500,
    demo_records: Annotated[int, typer.Option(min=0, help="Records --demo simulates.")] = 50_000,
) -> None:
    """Migrate the database, then serve the APIs, the MCP endpoint and the dashboard."""
    import uvicorn

    overrides = {"host": host, "port": port, "workers": workers}
    for key, value in overrides.items():
        if value is not None:
            # Workers are separate processes that read their settings from the environment.
            os.environ[f"AGENT_ACTIVITY_{key.upper()}"] = str(value)
    settings = Settings()
    if with_demo:
        token, org_id = demo_token(settings, demo_runs, demo_records)
        url = f"http://{settings.host}:{settings.port}"
        console.print(f"Agent Activity demo at [bold]{url}/[/bold]", soft_wrap=True)
        console.print(f"token: [bold]{token}[/bold]", soft_wrap=True)
        console.print(
            f"try: curl -H 'Authorization: Bearer {token}' {url}/v1/orgs/{org_id}/activity/summary",
            soft_wrap=True,
        )
    else:
        run_with_session(settings, lambda _session: asyncio.sleep(0))
    uvicorn.run(
        "agent_activity.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        timeout_graceful_shutdown=10,
        timeout_keep_alive=settings.keep_alive_s,
    )


def demo_token(settings: Settings, runs: int, records: int) -> tuple[str, uuid.UUID]:
    """Demo data on an empty database; on one already filled, just a new owner token."""

    async def existing(session: AsyncSession) -> tuple[str, uuid.UUID] | None:
        if await bootstrap.count_orgs(session) == 0:
            return None
        org, owner = await bootstrap.first_owner(session)
        return await bootstrap.issue_owner_token(session, org, owner, "serve --demo"), org.id

    found = run_with_session(settings, existing)
    return found if found is not None else fill_demo(settings, runs, records)


@token_app.command("create")
def token_create(
    org: Annotated[uuid.UUID | None, typer.Option(help="Org id [default: the first org].")] = None,
    user: Annotated[uuid.UUID | None, typer.Option(help="Issue for this user.")] = None,
    agent: Annotated[uuid.UUID | None, typer.Option(help="Issue for this agent.")] = None,
    service: Annotated[str | None, typer.Option(help="Issue for a service of this name.")] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(help="read, write, ingest, admin, token_usage:read (repeatable)."),
    ] = None,
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "cli",
    expires_in_days: Annotated[int | None, typer.Option(min=1, help="Expiry.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Issue a token (for the org's first owner unless --user, --agent or --service is given)."""

    async def work(session: AsyncSession) -> tuple[str, str]:
        owner_org, owner = await bootstrap.first_owner(session, org)
        principal_type, principal_id = "user", owner.id
        if user is not None:
            principal_id = user
        elif agent is not None:
            principal_type, principal_id = "agent", agent
        elif service is not None:
            principal_type = "service"
            principal_id = uuid.uuid5(uuid.NAMESPACE_URL, f"agent-activity:service:{service}")
        expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
        issued = await create_token(
            session,
            org_id=owner_org.id,
            principal_type=principal_type,
            principal_id=principal_id,
            name=name,
            scopes=list(scope or DEFAULT_SCOPES),
            expires_at=expires,
        )
        return str(issued.token.id), issued.secret

    token_id, secret = run_with_session(Settings(), work)
    if as_json:
        print(json.dumps({"id": token_id, "token": secret}))
        return
    console.print(f"token id {token_id}\n[bold]{secret}[/bold]\n[yellow]Shown once.[/yellow]")


@token_app.command("list")
def token_list(
    org: Annotated[uuid.UUID | None, typer.Option(help="Only this org's tokens.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON lines.")] = False,
) -> None:
    """List tokens (never their secrets)."""
    tokens = run_with_session(Settings(), lambda session: list_tokens(session, org))
    if as_json:
        for token in tokens:
            print(json.dumps(bootstrap.describe_token(token)))
        return
    table = Table("id", "name", "prefix", "principal", "scopes", "expires", "revoked", "last used")
    for token in tokens:
        table.add_row(
            str(token.id),
            token.name,
            token.prefix + "…",
            f"{token.principal_type}:{token.principal_id}",
            ",".join(token.scopes),
            bootstrap.describe_expiry(token.expires_at),
            token.revoked_at.isoformat(timespec="seconds") if token.revoked_at else "",
            token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[uuid.UUID, typer.Argument(help="The token's id.")]) -> None:
    """Revoke a token; requests with it get 401 from then on."""
    run_with_session(Settings(), lambda session: revoke_token(session, token_id, utcnow()))
    console.print(f"revoked {token_id}")


if __name__ == "__main__":
    app()


storage_cli.register(app)
