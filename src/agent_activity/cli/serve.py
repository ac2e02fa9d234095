"""`serve`: migrate, then run the server (with demo data first when asked)."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer

from agent_activity.cli.common import console, run_with_session
from agent_activity.cli.demo import demo_token
from agent_activity.config import Settings

app = typer.Typer()


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

    from agent_activity.limits.protocol import HeadTimeoutProtocol

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
        http=HeadTimeoutProtocol,  # uvicorn's own, with a timeout on the request's head
    )
