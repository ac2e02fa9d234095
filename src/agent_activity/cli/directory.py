"""`projects list`, `agents list`, `users list` and `whoami`: where every id comes from.

Without ``--token`` a list shows the whole org, read as the operator who holds the database;
with one it shows what that token can see, by the same rules as the REST APIs.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity import bootstrap
from agent_activity.cli.common import console, run_with_session
from agent_activity.config import Settings
from agent_activity.db.base import utcnow
from agent_activity.db.models import ApiToken, User
from agent_activity.domain.tenancy.directory import Directory, load_directory
from agent_activity.domain.tenancy.principal import Principal
from agent_activity.domain.tenancy.tokens import authenticate

OrgOption = Annotated[uuid.UUID | None, typer.Option(help="Org id.", show_default="the oldest org")]
TokenOption = Annotated[
    str | None,
    typer.Option(
        envvar="AGENT_ACTIVITY_TOKEN",
        help="List what this token can see instead of the whole org.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object a line.")]

projects_app = typer.Typer(help="List projects (the ids X-Project-Id takes).", no_args_is_help=True)
agents_app = typer.Typer(help="List agents (the agent_uid of /api/agents).", no_args_is_help=True)
users_app = typer.Typer(help="List users and their ids.", no_args_is_help=True)
app = typer.Typer()


def read_directory(org: uuid.UUID | None, token: str | None) -> Directory:
    async def work(session: AsyncSession) -> Directory:
        principal = await caller(session, token) if token else None
        if principal is None:
            principal = await bootstrap.operator_principal(session, org)
        return await load_directory(session, principal)

    return run_with_session(Settings(), work)


async def caller(session: AsyncSession, token: str) -> Principal:
    return await authenticate(session, token.strip(), utcnow())


def show(rows: list[dict[str, Any]], columns: tuple[str, ...], as_json: bool) -> None:
    """A table with full ids (they are meant to be copied), or JSON lines."""
    if as_json:
        for row in rows:
            print(json.dumps(row))
        return
    table = Table()
    for column in columns:
        whole = column.endswith(("id", "uid"))
        table.add_column(column, no_wrap=whole, min_width=36 if whole else None)
    for row in rows:
        table.add_row(*(str(row[c]) if row[c] is not None else "" for c in columns))
    console.print(table, soft_wrap=True)


@projects_app.command("list")
def projects_list(
    org: OrgOption = None, token: TokenOption = None, as_json: JsonOption = False
) -> None:
    """List projects with their ids.

    Example: agent-activity projects list --json | jq -r .id
    """
    found = read_directory(org, token)
    workspaces = {w.id: w.name for w in found.workspaces}
    rows = [
        {
            "id": str(p.id),
            "name": p.name,
            "workspace_id": str(p.workspace_id),
            "workspace": workspaces.get(p.workspace_id),
            "org_id": str(p.org_id),
        }
        for p in found.projects
    ]
    show(rows, ("id", "name", "workspace"), as_json)


@agents_app.command("list")
def agents_list(
    org: OrgOption = None, token: TokenOption = None, as_json: JsonOption = False
) -> None:
    """List agents with their agent_uid.

    Example: agent-activity agents list --org 6f1c…
    """
    found = read_directory(org, token)
    workspaces = {w.id: w.name for w in found.workspaces}
    rows = [
        {
            "agent_uid": str(a.id),
            "name": a.name,
            "approach": a.approach,
            "workspace_id": str(a.workspace_id) if a.workspace_id else None,
            "workspace": workspaces.get(a.workspace_id) if a.workspace_id else None,
        }
        for a in found.agents
    ]
    show(rows, ("agent_uid", "name", "approach", "workspace"), as_json)


@users_app.command("list")
def users_list(
    org: OrgOption = None, token: TokenOption = None, as_json: JsonOption = False
) -> None:
    """List the org's members with their ids (a user token without an org role: only itself).

    Example: agent-activity users list --json
    """
    found = read_directory(org, token)
    rows = [{"id": str(u.id), "name": u.name, "email": u.email} for u in found.users]
    show(rows, ("id", "name", "email"), as_json)


@app.command()
def whoami(
    token: Annotated[
        str,
        typer.Option(
            envvar="AGENT_ACTIVITY_TOKEN", help="The token to describe.", show_default=False
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Who a token acts for, what it may do, and the projects it can see.

    Example: AGENT_ACTIVITY_TOKEN=aa_… agent-activity whoami
    """

    async def work(session: AsyncSession) -> dict[str, Any]:
        principal = await caller(session, token)
        found = await load_directory(session, principal)
        stored = await session.get(ApiToken, principal.token_id)
        user = await session.get(User, principal.principal_id) if principal.is_user else None
        return {
            "token_id": str(principal.token_id),
            "token_name": stored.name if stored else None,
            "org_id": str(principal.org_id),
            "org": found.org.name,
            "principal_type": principal.principal_type,
            "principal_id": str(principal.principal_id),
            "user": f"{user.name} <{user.email}>" if user else None,
            "scopes": sorted(principal.scopes),
            "expires_at": stored.expires_at.isoformat() if stored and stored.expires_at else None,
            "projects": [{"id": str(p.id), "name": p.name} for p in found.projects],
        }

    facts = run_with_session(Settings(), work)
    if as_json:
        print(json.dumps(facts))
        return
    table = Table(show_header=False)
    for key, value in facts.items():
        if key == "projects":
            value = "\n".join(f"{p['id']}  {p['name']}" for p in value) or "(none)"
        elif key == "scopes":
            value = ", ".join(value)
        table.add_row(key, "" if value is None else str(value))
    console.print(table, soft_wrap=True)
