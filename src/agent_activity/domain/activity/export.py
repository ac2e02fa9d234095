"""Exporting the activity log: every record a feed's query matches, newest first, as NDJSON or
CSV lines, read by keyset in chunks so an export of any size holds one chunk in memory.

An export walks the same query, order and record shape as the feed it mirrors, so reading the
feed page by page and exporting it give the same records. Each chunk is read in a short read
of its own (no transaction spans the export): records written while it runs are included when
they sort after the chunk being read, as they would be for a client paging the feed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord
from agent_activity.domain.activity.query import (
    SHOWN,
    ActivityFilter,
    Position,
    as_activity,
    page_read,
)

Format = Literal["ndjson", "csv"]
CHUNK = 2000
# The columns of a CSV export: the feed's keys in the feed's order; JSON columns as JSON text.
CSV_COLUMNS = ("id", "timestamp", *SHOWN, "token_usage", "metadata")
MEDIA_TYPES: dict[Format, str] = {"ndjson": "application/x-ndjson", "csv": "text/csv"}

SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def export_records(
    sessions: SessionFactory, query: ActivityFilter, chunk: int = CHUNK
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every record of ``query`` in the feed's shape and order, ``chunk`` records at a time."""
    after: Position | None = None
    while True:
        read = page_read(query, after, chunk)
        async with sessions() as session:
            rows = [tuple(row) for row in await session.execute(read.build(), dict(read.values))]
        if not rows:
            return
        more = len(rows) > chunk
        rows = rows[:chunk]
        yield [as_activity(row) for row in rows]
        if not more:
            return
        after = Position(rows[-1][2], rows[-1][0])


def ndjson_lines(activities: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(activity) + b"\n" for activity in activities)


def csv_cell(value: Any) -> Any:
    """A CSV cell: JSON objects as JSON text, booleans as true/false, absent as empty."""
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def csv_rows(activities: Iterable[dict[str, Any]], header: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    writer.writerows([csv_cell(a[column]) for column in CSV_COLUMNS] for a in activities)
    return buffer.getvalue().encode()


async def export_bytes(
    sessions: SessionFactory, query: ActivityFilter, fmt: Format
) -> AsyncIterator[bytes]:
    """The export of ``query`` as the bytes of a file in ``fmt``, one chunk at a time."""
    if fmt == "csv":
        yield csv_rows([])
    async for activities in export_records(sessions, query):
        yield ndjson_lines(activities) if fmt == "ndjson" else csv_rows(activities, header=False)


async def count_records(session: AsyncSession, query: ActivityFilter) -> int:
    """How many records an export of ``query`` holds when it starts (for a progress bar)."""
    counted = select(func.count()).select_from(ActivityRecord).where(*query.conditions())
    return int(await session.scalar(counted, query.values()) or 0)
