"""Where ingest's time goes: the same rows written into tables that differ by one index, or by
the rollups and the seals, side by side (rows/s from each variant's median batch), next to the
HTTP ingest rate of the ingest scenario.

Every variant writes the same ``Sizes.breakdown_records`` rows (the ingest scenario's: the
demo's records, timestamps within the last hour in no order, a client id each), in the same
batches, one committed transaction per batch, through one engine configured as the service's
writer. The variants take turns batch by batch (the first of each turn rotates), so they see the
same machine and the same table sizes.

- **floor**: a fresh table with every column of ``activity_records``, its primary key and one
  ``(org_id, timestamp)`` index: the raw insert rate (``executemany`` on SQLite, ``COPY`` on
  PostgreSQL, as the service's own write path).
- **floor + one index**: each index and unique constraint of ``activity_records``, read from its
  model (so the breakdown follows the table as it changes), added alone to the floor.
- **every index**: a fresh copy of ``activity_records`` with all of them.
- **+ activity rollups**, **+ seals**: that copy, then the service's own ``add_to_rollups``
  and ``seal_batch`` in the same transaction.
- **write_activity_records**: the service's write path itself, into ``activity_records`` at its
  size (ticket rollups included; these rows carry no ticket, as the ingest API's never do).

The copies start empty, so every index here is as cheap as on a small table; the ingest
scenario's raw side at the data size shows the rest. The rows go to an org of their own, whose
records, rollups and seals are deleted at the end, with the copies.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Column, Index, MetaData, Table, UniqueConstraint, delete
from sqlalchemy.ext.asyncio import AsyncConnection

from agent_activity.config import Settings
from agent_activity.db.driver_rows import TableLayout, Tuples
from agent_activity.db.engine import create_engine, create_sessionmaker
from agent_activity.db.models import ActivityRecord, ActivityRollup, ActivitySeal
from agent_activity.domain.activity.rollups import add_to_rollups
from agent_activity.domain.activity.seals import seal_batch
from agent_activity.domain.activity.store import by_org, write_activity_records
from bench import datagen
from bench.context import Context
from bench.report import Row
from bench.stats import fmt_count
from bench.world import demo_world

SCENARIO = "write path breakdown ({rows:,} rows): {variant}"
SOURCE = cast(Table, ActivityRecord.__table__)
PREFIX = "bench_wc"
Write = Callable[[AsyncConnection, "Batch"], Awaitable[None]]


@dataclass(frozen=True)
class Batch:
    rows: list[dict[str, Any]]  # normalised, with their seal batch
    tuples: Tuples  # the rows as the driver takes them


@dataclass
class Variant:
    name: str
    table: Table | None  # a copy to insert into; None: the service's own path
    rollups: bool = False
    seals: bool = False
    seconds: list[float] = field(default_factory=list)  # each batch's


def index_specs() -> list[tuple[str, list[str], bool, dict[str, Any]]]:
    """(name, columns, unique, dialect options) of every index and unique constraint of
    ``activity_records``, as its model declares them."""
    specs = [
        (
            str(index.name),
            [c.name for c in index.columns],
            bool(index.unique),
            dict(index.dialect_kwargs),
        )
        for index in SOURCE.indexes
    ]
    for constraint in SOURCE.constraints:
        if isinstance(constraint, UniqueConstraint):
            columns = [c.name for c in constraint.columns]
            name = str(constraint.name or "unique (" + ", ".join(columns) + ")")
            specs.append((name, columns, True, {}))
    return sorted(specs)


def copy_table(
    metadata: MetaData, name: str, indexes: Sequence[tuple[str, list[str], bool, dict[str, Any]]]
) -> Table:
    """A table with the columns and primary key of ``activity_records``, the floor's time index
    and ``indexes`` (named after the table, as index names are per database)."""
    columns = [Column(c.name, c.type, primary_key=c.primary_key) for c in SOURCE.columns]
    table = Table(name, metadata, *columns)
    Index(f"{name}_floor", table.c.org_id, table.c.timestamp)
    for position, (_, names, unique, options) in enumerate(indexes):
        Index(f"{name}_{position}", *(table.c[n] for n in names), unique=unique, **options)
    return table


def variants(metadata: MetaData) -> list[Variant]:
    specs = index_specs()
    made = [Variant("floor: primary key + (org_id, timestamp)", copy_table(metadata, PREFIX, []))]
    for position, spec in enumerate(specs):
        table = copy_table(metadata, f"{PREFIX}_{position}", [spec])
        made.append(Variant(f"floor + {spec[0]}", table))
    every = copy_table(metadata, f"{PREFIX}_all", specs)
    made.append(Variant(f"every index ({len(specs)}, as activity_records)", every))
    rollups = copy_table(metadata, f"{PREFIX}_rollups", specs)
    made.append(Variant("every index + activity rollups", rollups, rollups=True))
    sealed = copy_table(metadata, f"{PREFIX}_sealed", specs)
    made.append(Variant("every index + activity rollups + seals", sealed, True, True))
    made.append(Variant("write_activity_records into activity_records", None))
    return made


async def insert(connection: AsyncConnection, layout: TableLayout, tuples: Tuples) -> None:
    """The rows by the driver's bulk path, as the service writes them (domain/activity/store)."""
    if connection.dialect.name == "postgresql":
        await connection.exec_driver_sql("SELECT 1")  # begin: COPY alone would autocommit
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.copy_records_to_table(layout.table, records=tuples, columns=layout.columns)
        return
    names = ", ".join(f'"{name}"' for name in layout.columns)
    marks = ", ".join("?" for _ in layout.columns)
    sql = f"INSERT INTO {layout.table} ({names}) VALUES ({marks})"
    await connection.exec_driver_sql(sql, list(tuples))


def make_batches(ctx: Context, org_id: uuid.UUID, count: int, size: int) -> list[Batch]:
    now = datetime.now(UTC)
    records = datagen.ingest_records(demo_world(ctx.world), now, count, seed=700)
    layout = TableLayout.of(ActivityRecord, ctx.engine)
    batches = []
    for start in range(0, count, size):
        rows = datagen.stored_rows(records[start : start + size], org_id, now)
        by_org(rows)  # each batch its seal batch, as the service marks it
        batches.append(Batch(rows, layout.tuples(rows)))
    return batches


async def measure_write_costs(ctx: Context, data: str) -> None:
    size = ctx.sizes.ingest_batch
    count = max(size, ctx.sizes.breakdown_records // size * size)
    org_id = uuid.uuid4()
    batches = make_batches(ctx, org_id, count, size)
    engine = create_engine(Settings(database_url=ctx.database.url, log_level="warning"))
    metadata = MetaData()
    made = variants(metadata)
    layout = TableLayout.of(ActivityRecord, ctx.engine)
    sessions = create_sessionmaker(engine)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        for index, batch in enumerate(batches):
            turn = made[index % len(made) :] + made[: index % len(made)]
            for variant in turn:
                started = time.perf_counter()
                if variant.table is None:
                    async with sessions() as session, session.begin():
                        await write_activity_records(session, [dict(r) for r in batch.rows])
                else:
                    async with engine.begin() as connection:
                        copy = replace(layout, table=variant.table.name)
                        await insert(connection, copy, batch.tuples)
                        if variant.rollups:
                            await add_to_rollups(connection, batch.rows)
                        if variant.seals:
                            now = datetime.now(UTC)
                            first = batch.rows[0]
                            await seal_batch(
                                connection, org_id, first["seal_batch"], batch.rows, now
                            )
                variant.seconds.append(time.perf_counter() - started)
    finally:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)
            for model in (ActivityRecord, ActivityRollup, ActivitySeal):
                await connection.execute(delete(model).where(model.org_id == org_id))
        await engine.dispose()
    report(ctx, data, made, count, size)


def report(ctx: Context, data: str, made: list[Variant], count: int, size: int) -> None:
    # A batch's median time: one that happens to pay a WAL checkpoint or a GC pass is any
    # variant's, and the machine is shared.
    rates = [size / statistics.median(variant.seconds) for variant in made]
    floor = rates[0]
    ingest = [
        row
        for row in ctx.rows
        if row.engine == ctx.engine and row.scenario.startswith("ingest, events/s")
    ]
    measured = [(variant.name, rate) for variant, rate in zip(made, rates, strict=True)]
    if ingest and "events_per_s" in ingest[0].metrics:
        measured.append(("ingest API (the ingest row above)", ingest[0].metrics["events_per_s"]))
    for name, rate in measured:
        ctx.rows.append(
            Row(
                ctx.engine,
                data,
                SCENARIO.format(rows=count, variant=name),
                f"{fmt_count(rate)}/s",
                f"{fmt_count(floor)}/s",
                f"{rate / floor:.2f}",
                metrics={"rows_per_s": rate, "floor_per_s": floor, "ratio": rate / floor},
            )
        )
