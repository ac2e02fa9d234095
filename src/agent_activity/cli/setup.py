"""`migrate` and `init`: the schema and a first org."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity import bootstrap
from agent_activity.cli.common import console, run_with_session
from agent_activity.cli.connect import print_connection
from agent_activity.config import Settings
from agent_activity.db.engine import create_engine
from agent_activity.db.migrate import upgrade

app = typer.Typer()


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (serve does this on start too).

    Example: AGENT_ACTIVITY_DATABASE_URL=postgresql+asyncpg://… agent-activity migrate
    """
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
    url: Annotated[
        str, typer.Option(help="The server's URL, for the settings printed.")
    ] = "http://127.0.0.1:8000",
    as_json: Annotated[bool, typer.Option("--json", help="Print ids and token as JSON.")] = False,
) -> None:
    """Create an org, a workspace, a project and an admin user with a token.

    Prints the ids, the token and MCP and OTLP settings to paste, for the server at --url.
    Example: agent-activity init --org Acme --project "Web app" --email me@acme.test
    """

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
    console.print(table, soft_wrap=True)
    console.print("[yellow]The token is shown once; keep it safe.[/yellow]\n")
    print_connection(url.rstrip("/"), result.token, result.project_id)
