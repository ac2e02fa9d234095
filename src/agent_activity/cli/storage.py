"""The log's storage commands of `agent-activity`: export and verify."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar, get_args

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_activity.cli.export_files import FileFormat, write_export
from agent_activity.cli.retention import retention
from agent_activity.config import Settings
from agent_activity.db.engine import create_engine, create_sessionmaker
from agent_activity.db.migrate import upgrade
from agent_activity.db.models import Org
from agent_activity.domain.activity.export import count_records
from agent_activity.domain.activity.query import ActivityFilter
from agent_activity.domain.activity.seal_export import seal_lines, verify_export
from agent_activity.domain.activity.verify import ChainReport, verify_org

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)
FORMATS: tuple[str, ...] = get_args(FileFormat)


def with_sessions(work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    """Migrate, then run ``work`` with a session factory on the configured database."""

    async def main() -> T:
        engine = create_engine(Settings())
        try:
            await upgrade(engine)
            return await work(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(main())


def utc(value: datetime | None) -> datetime | None:
    """A time given without a zone is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def format_of(path: Path, given: str | None) -> FileFormat:
    fmt = given or path.suffix.removeprefix(".").lower()
    if fmt == "jsonl":
        fmt = "ndjson"
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    return fmt  # type: ignore[return-value]  # checked against FORMATS just above


def export(
    out: Annotated[Path, typer.Argument(help="The file to write (.ndjson, .csv or .parquet).")],
    org: Annotated[uuid.UUID, typer.Option(help="The org whose records to export.")],
    workspace: Annotated[
        uuid.UUID | None, typer.Option(help="Only this workspace's records.")
    ] = None,
    start: Annotated[datetime | None, typer.Option(help="Records at or after it (UTC).")] = None,
    end: Annotated[datetime | None, typer.Option(help="Records before it (UTC).")] = None,
    action: Annotated[str | None, typer.Option(help="Only records of this action.")] = None,
    user: Annotated[str | None, typer.Option(help="Only records of this user id.")] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="ndjson, csv or parquet; else from OUT.")
    ] = None,
    seals: Annotated[
        bool, typer.Option("--seals", help="Also write the seals to OUT.seals.ndjson.")
    ] = False,
) -> None:
    """Export an org's activity records to a file, newest first, as the feed shows them."""
    file_format = format_of(out, fmt)
    query = ActivityFilter(
        org,
        workspace_id=str(workspace) if workspace else None,
        user_id=user,
        action=action,
        start=utc(start),
        end=utc(end),
    )

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session:
            total = await count_records(session, query)
        with Progress(
            TextColumn("exporting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        ) as progress:
            task = progress.add_task("export", total=total)
            written = await write_export(
                sessions, query, out, file_format, lambda n: progress.advance(task, n)
            )
        if seals:
            async with sessions() as session:
                with seals_path(out).open("wb") as handle:
                    async for line in seal_lines(session, org):
                        handle.write(orjson.dumps(line) + b"\n")
        return written

    try:
        written = with_sessions(work)
    except RuntimeError as error:  # the parquet extra is missing
        err_console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    err_console.print(f"[green]{written} records written to {out}[/green]")


def seals_path(out: Path) -> Path:
    return out.with_name(out.name + ".seals.ndjson")


def verify_file(export_file: Path) -> None:
    """Check an NDJSON export against the seals file written next to it, offline."""
    with seals_path(export_file).open("rb") as handle:
        chain = [orjson.loads(line) for line in handle]
    with export_file.open("rb") as handle:
        report = verify_export(chain, (orjson.loads(line) for line in handle))
    summary = f"{report.seals} seals, {report.records} records"
    if report.problem:
        console.print(f"[red]BAD[/red] {export_file}: {report.problem}; {summary}")
        raise typer.Exit(1)
    console.print(f"[green]ok[/green] {export_file}: {summary}")


def verify(
    org: Annotated[
        uuid.UUID | None, typer.Option(help="Only this org's chain; else every org's.")
    ] = None,
    export_file: Annotated[
        Path | None,
        typer.Option("--export", help="Check this NDJSON export and its seals file, offline."),
    ] = None,
) -> None:
    """Walk each org's chain of batch seals against its records; name the first bad batch."""
    if export_file is not None:
        verify_file(export_file)
        return

    async def work(sessions: async_sessionmaker[AsyncSession]) -> list[ChainReport]:
        async with sessions() as session:
            orgs = [org] if org else list(await session.scalars(select(Org.id).order_by(Org.id)))
            return [await verify_org(session, org_id) for org_id in orgs]

    reports = with_sessions(work)
    for report in reports:
        summary = f"{report.seals} seals, {report.records} records"
        if report.unsealed:
            summary += f", {report.unsealed} written before sealing began (not covered)"
        if report.superseded:
            summary += f", {report.superseded} seals superseded by retention's"
        if report.first_bad is None:
            console.print(f"[green]ok[/green] org {report.org_id}: {summary}")
            continue
        bad = report.first_bad
        console.print(
            f"[red]BAD[/red] org {report.org_id}: first bad batch at seal {bad.position}"
            f" (batch {bad.batch}): {bad.reason}; {summary}"
        )
    if not all(report.ok for report in reports):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(export)
    app.command()(verify)
    app.command()(retention)
