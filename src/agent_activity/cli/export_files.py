"""Writing an export to a file: NDJSON and CSV as the API streams them, Parquet through pyarrow
(the ``parquet`` extra), one row group per chunk so a file of any size is written in constant
memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from agent_activity.domain.activity.export import (
    CSV_COLUMNS,
    SessionFactory,
    csv_rows,
    export_records,
    ndjson_lines,
)
from agent_activity.domain.activity.query import ActivityFilter

FileFormat = Literal["ndjson", "csv", "parquet"]
INTEGERS = {"status_code", "stages_completed", "total_stages"}


def parquet_modules() -> tuple[ModuleType, ModuleType]:
    """pyarrow and pyarrow.parquet, or a clear error naming the extra that brings them."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as error:
        raise RuntimeError(
            "Parquet export needs pyarrow: pip install 'agent-activity[parquet]'"
        ) from error
    return pyarrow, pyarrow.parquet


def parquet_schema(pa: ModuleType) -> Any:
    def kind(column: str) -> Any:
        if column == "timestamp":
            return pa.timestamp("us", tz="UTC")
        if column in INTEGERS:
            return pa.int64()
        if column == "success":
            return pa.bool_()
        if column == "duration_ms":
            return pa.float64()
        return pa.string()  # ids, text, and the JSON columns as JSON text

    return pa.schema([(column, kind(column)) for column in CSV_COLUMNS])


def parquet_columns(activities: list[dict[str, Any]]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {column: [] for column in CSV_COLUMNS}
    for activity in activities:
        for column in CSV_COLUMNS:
            value = activity[column]
            if column == "timestamp":
                value = datetime.fromisoformat(value)
            columns[column].append(value)
    return columns


async def write_export(
    sessions: SessionFactory,
    query: ActivityFilter,
    path: Path,
    fmt: FileFormat,
    progress: Callable[[int], None],
) -> int:
    """Write the export of ``query`` to ``path``; ``progress`` hears each chunk's size. Returns
    how many records were written."""
    chunks: AsyncIterator[list[dict[str, Any]]] = export_records(sessions, query)
    written = 0
    if fmt == "parquet":
        pa, pq = parquet_modules()
        schema = parquet_schema(pa)
        with pq.ParquetWriter(path, schema) as writer:
            async for activities in chunks:
                writer.write_table(pa.table(parquet_columns(activities), schema=schema))
                written += len(activities)
                progress(len(activities))
            if not written:
                writer.write_table(schema.empty_table())
        return written
    with path.open("wb") as out:
        if fmt == "csv":
            out.write(csv_rows([]))
        async for activities in chunks:
            out.write(ndjson_lines(activities) if fmt == "ndjson" else csv_rows(activities, False))
            written += len(activities)
            progress(len(activities))
    return written
