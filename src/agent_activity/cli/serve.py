"""`serve`: migrate, then run the server (with demo data and simulated agents when asked)."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer

from agent_activity.cli.common import console, run_with_session
from agent_activity.cli.connect import print_connection
from agent_activity.cli.demo import demo_token
from agent_activity.config import Settings
from agent_activity.demo.simulation import start_in_background

app = typer.Typer()
DEFAULTS = Settings.model_fields


def setting_option(name: str, help: str) -> typer.models.OptionInfo:
    """An option that overrides a setting: its help shows the setting's default and variable."""
    option: typer.models.OptionInfo = typer.Option(
        help=help,
        show_default=str(DEFAULTS[name].default),
        envvar=f"AGENT_ACTIVITY_{name.upper()}",
        show_envvar=True,
    )
    return option


@app.command()
def serve(
    host: Annotated[str | None, setting_option("host", "Bind address.")] = None,
    port: Annotated[int | None, setting_option("port", "Port to listen on.")] = None,
    workers: Annotated[int | None, setting_option("workers", "Server processes.")] = None,
    with_demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Demo mode: on an empty database, init and fill demo data first; print a token, "
            "the project id and MCP and OTLP settings to paste; keep simulated agents at work.",
        ),
    ] = False,
    demo_runs: Annotated[int, typer.Option(min=0, help="Runs --demo simulates.")] = 500,
    demo_records: Annotated[int, typer.Option(min=0, help="Records --demo simulates.")] = 50_000,
    demo_agents: Annotated[
        int | None, setting_option("demo_agents", "Simulated agents --demo keeps at work.")
    ] = None,
    simulation: Annotated[
        bool,
        typer.Option(help="With --demo, run the simulated agents (--no-simulation: a still demo)."),
    ] = True,
) -> None:
    """Migrate the database, then serve the APIs, the MCP endpoint and the dashboard.

    Examples: agent-activity serve --demo ; agent-activity serve --host 0.0.0.0 --workers 4
    """
    import uvicorn

    from agent_activity.limits.protocol import HeadTimeoutProtocol
    from agent_activity.malloc_arenas import limit_malloc_arenas

    limit_malloc_arenas()  # before any thread allocates (docs/faults.md, "Memory")

    overrides = {"host": host, "port": port, "workers": workers, "demo_agents": demo_agents}
    for key, value in overrides.items():
        if value is not None:
            # Workers are separate processes that read their settings from the environment.
            os.environ[f"AGENT_ACTIVITY_{key.upper()}"] = str(value)
    settings = Settings()
    if with_demo:
        access = demo_token(settings, demo_runs, demo_records)
        url = f"http://{settings.host}:{settings.port}"
        console.print(f"Agent Activity demo at [bold]{url}/[/bold]", soft_wrap=True)
        console.print(f"token (expires in 7 days): [bold]{access.token}[/bold]", soft_wrap=True)
        print_connection(url, access.token, access.project_id)
        bearer = f"curl -H 'Authorization: Bearer {access.token}'"
        console.print(f"\ntry: {bearer} {url}/api/projects", soft_wrap=True, markup=False)
        summary = f"{url}/v1/orgs/{access.org_id}/activity/summary"
        console.print(f"and: {bearer} {summary}", soft_wrap=True, markup=False)
        if simulation and settings.demo_agents:
            console.print(f"\n{settings.demo_agents} simulated agents are at work on the board.")
            start_in_background(url, access.token, str(access.project_id), settings.demo_agents)
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
        http=HeadTimeoutProtocol,  # uvicorn's own, with a timeout on the request's head
    )
