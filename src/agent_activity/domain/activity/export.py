"""Exporting the activity log: every record a feed's query matches, newest first, as NDJSON or
CSV lines, read by keyset in chunks so an export of any size holds one chunk in memory.

An export walks the same query, order and record shape as the feed it mirrors, so reading the
feed page by page and exporting it give the same records. Each chunk is read in a short read
of its own (no transaction spans the export): records written while it runs are included when
they sort after the chunk being read, as they would be for a client paging the feed.
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from sqlalchemy import String, Text, cast, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord
from agent_activity.domain.activity.query import (
    END_SHOWN,
    FIRST_SHOWN,
    PAGE_COLUMNS,
    SHOWN,
    ActivityFilter,
    Position,
    page_read,
)

Format = Literal["ndjson", "csv"]
CHUNK = 2000
# The columns of a CSV export: the feed's keys in the feed's order; JSON columns as JSON text.
CSV_COLUMNS = ("id", "timestamp", *SHOWN, "token_usage", "metadata")
MEDIA_TYPES: dict[Format, str] = {"ndjson": "application/x-ndjson", "csv": "text/csv"}

SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]
# The feed's page columns, but the id and the time as the driver returns them: their types'
# conversions (to uuid.UUID and back to text, a time parsed and formatted again) were a third of
# an export's time, so ``activity_of`` writes the feed's text from the stored value directly.
EXPORT_COLUMNS = (
    type_coerce(PAGE_COLUMNS[0], String()).label("id"),
    PAGE_COLUMNS[1],
    type_coerce(PAGE_COLUMNS[2], String()).label("timestamp"),
    *PAGE_COLUMNS[FIRST_SHOWN:END_SHOWN],
    # The JSON columns as the stored text, passed through unparsed (``json_text``):
    # decoding and re-encoding them was the largest part of what remained.
    *(cast(column, Text).label(column.key) for column in PAGE_COLUMNS[END_SHOWN:]),
)
# The keys of an export row in column order; ``activity_of`` then drops ``external_id``.
ROW_KEYS = ("id", "external_id", "timestamp", *SHOWN, "token_usage", "metadata")
# Stored JSON text that the feed shows as {} (its rule: an empty or absent value is {}).
EMPTY_JSON = frozenset({"null", "{}", "[]", '""', "0", "false"})
# SQLite's text of a UTC time (db/base.py UTCDateTime): "2026-12-01 09:30:00.000000".
SQLITE_TIME_LENGTH = 26


async def export_records(
    sessions: SessionFactory, query: ActivityFilter, chunk: int = CHUNK
) -> AsyncGenerator[list[dict[str, Any]]]:
    """Every record of ``query`` in the feed's shape and order, ``chunk`` records at a time."""
    rows = await read_chunk(sessions, query, None, chunk)
    following: asyncio.Future[Sequence[Sequence[Any]]] | None = None
    try:
        while rows:
            more = len(rows) > chunk
            rows = rows[:chunk]
            if more:
                # The next chunk is read while this one is shaped and sent (by the driver's
                # thread on SQLite, by the server on PostgreSQL): at most two chunks are held.
                after = position_of(rows[-1])
                following = asyncio.ensure_future(read_chunk(sessions, query, after, chunk))
            yield [activity_of(row) for row in rows]
            if following is None:
                return
            rows, following = await following, None
    finally:
        if following is not None:  # the consumer stopped early: the read is not wanted
            following.cancel()
            await asyncio.gather(following, return_exceptions=True)


async def read_chunk(
    sessions: SessionFactory, query: ActivityFilter, after: Position | None, chunk: int
) -> Sequence[Sequence[Any]]:
    """The next ``chunk`` records after ``after`` (and one more, to know if more follow), in a
    short read of its own."""
    read = page_read(query, after, chunk)
    statement = read.build().with_only_columns(*EXPORT_COLUMNS)
    async with sessions() as session:
        # Core rows, not the ORM's: a page of plain columns needs no identity map.
        connection = await session.connection()
        return (await connection.execute(statement, dict(read.values))).all()


def position_of(row: Sequence[Any]) -> Position:
    return Position(datetime.fromisoformat(time_text(row[2])), uuid.UUID(str(row[0])))


def id_text(value: Any) -> str:
    """A record's UUID as the feed writes it, from SQLite's 32 hex digits or the driver's UUID."""
    if isinstance(value, str) and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value)


def time_text(value: Any) -> str:
    """A record's time as the feed writes it (ISO 8601, microseconds, ``+00:00``)."""
    if isinstance(value, str):
        if len(value) == SQLITE_TIME_LENGTH and value[10] == " ":
            return f"{value[:10]}T{value[11:]}+00:00"
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite's naive UTC, in a format other than its own
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone(UTC).isoformat(timespec="microseconds"))


def activity_of(row: Sequence[Any]) -> dict[str, Any]:
    """One export row in file 004's shape, as ``query.as_activity`` makes a feed row, but with
    ``token_usage`` and ``metadata`` as their JSON text."""
    activity = dict(zip(ROW_KEYS, row, strict=True))
    # Replacing a key keeps its place, so the keys stay in the feed's order.
    activity["id"] = activity.pop("external_id") or id_text(row[0])
    activity["timestamp"] = time_text(row[2])
    activity["token_usage"] = json_text(row[END_SHOWN])
    activity["metadata"] = json_text(row[END_SHOWN + 1])
    return activity


def json_text(stored: str | None) -> str:
    """A stored JSON value's text as an export writes it; "{}" for an empty one."""
    if stored is None or stored in EMPTY_JSON:
        return "{}"
    if "\n" in stored:  # pretty-printed by some writer: a line of NDJSON must stay one line
        return orjson.dumps(orjson.loads(stored)).decode()
    return stored


def ndjson_lines(activities: Iterable[dict[str, Any]]) -> bytes:
    """The lines of ``activities`` (``activity_of``'s, which it changes in place)."""
    lines = []
    for activity in activities:
        activity["token_usage"] = orjson.Fragment(activity["token_usage"])
        activity["metadata"] = orjson.Fragment(activity["metadata"])
        lines.append(orjson.dumps(activity, option=orjson.OPT_APPEND_NEWLINE))
    return b"".join(lines)


def csv_cell(value: Any) -> Any:
    """A CSV cell: booleans as true/false, absent as empty."""
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
