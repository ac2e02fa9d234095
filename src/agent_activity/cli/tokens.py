"""`token create|list|revoke`: API tokens from the command line."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity import bootstrap
from agent_activity.cli.common import console, run_with_session
from agent_activity.config import Settings
from agent_activity.db.base import utcnow
from agent_activity.db.models import ApiToken
from agent_activity.domain.tenancy.principal import DEFAULT_SCOPES
from agent_activity.domain.tenancy.tokens import create_token, list_tokens, revoke_token

app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)


@app.command("create")
def token_create(
    org: Annotated[
        uuid.UUID | None, typer.Option(help="Org id.", show_default="the oldest org")
    ] = None,
    user: Annotated[uuid.UUID | None, typer.Option(help="Issue for this user.")] = None,
    agent: Annotated[uuid.UUID | None, typer.Option(help="Issue for this agent.")] = None,
    service: Annotated[str | None, typer.Option(help="Issue for a service of this name.")] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            help="read, write, ingest, admin, token_usage:read (repeatable).",
            show_default="read and write",
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "cli",
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, help="Days until it expires.", show_default="never")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Issue a token (for the org's first owner unless --user, --agent or --service is given).

    Example: agent-activity token create --service ci --scope ingest --expires-in-days 90
    """

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


@app.command("list")
def token_list(
    org: Annotated[
        uuid.UUID | None, typer.Option(help="Only this org's tokens.", show_default="every org")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON lines.")] = False,
) -> None:
    """List tokens (never their secrets), with full ids.

    Example: agent-activity token list --json | jq -r 'select(.name=="cli") | .id'
    """
    tokens = run_with_session(Settings(), lambda session: list_tokens(session, org))
    if as_json:
        for token in tokens:
            print(json.dumps(bootstrap.describe_token(token)))
        return
    # Full ids, whole on a line (`token revoke` takes them as printed); the rest wraps.
    table = Table()
    table.add_column("id", no_wrap=True, min_width=36)
    table.add_column("state", no_wrap=True)
    for column in ("name", "principal", "scopes"):
        table.add_column(column, overflow="fold")
    now = utcnow()
    for token in tokens:
        table.add_row(
            str(token.id),
            state_of(token, now),
            token.name,
            token.principal_type,
            ",".join(token.scopes),
        )
    console.print(table)
    console.print("(--json for every field: prefix, principal id, expiry, revocation, last use)")


def state_of(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


@app.command("revoke")
def token_revoke(token_id: Annotated[uuid.UUID, typer.Argument(help="The token's id.")]) -> None:
    """Revoke a token; requests with it get 401 from then on.

    Example: agent-activity token revoke 3f2b9c1e-…  (the id from `token list`)
    """
    now = utcnow()
    token = run_with_session(Settings(), lambda session: revoke_token(session, token_id, now))
    if token.revoked_at is not None and token.revoked_at < now:
        stamp = token.revoked_at.isoformat(timespec="seconds")
        console.print(f"nothing to do: {token_id} was already revoked at {stamp}")
        return
    console.print(f"revoked {token_id}")
