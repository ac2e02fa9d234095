"""What every command shares: the consoles and one committed transaction per command."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.config import Settings
from agent_activity.db.engine import create_engine, create_sessionmaker
from agent_activity.db.migrate import upgrade
from agent_activity.domain.errors import DomainError

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
