"""Realistic rows at scale: the records and runs `agent-activity demo` makes, by the million.

Each row comes from the demo's own generators (`demo.make_activity`, `demo.make_run`), so the
benchmark data has the demo's shape: its users, apps, endpoints, augmentations, actions,
outcomes, durations and token usage. Only the timestamps differ: bulk data is generated in time
order (spread evenly over the last seven days, like the demo), which keeps every
`(..., timestamp, id)` index append-mostly and the load fast; it changes nothing a query sees.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import inspect

from agent_activity import demo
from agent_activity.db.base import new_id
from agent_activity.db.models import AgentRun
from agent_activity.domain.activity.store import normalise
from bench.ledger import BoardTelemetry

WEEK_S = 7 * 86400.0
RUN_ATTRIBUTES = [attribute.key for attribute in inspect(AgentRun).column_attrs]


def activity_batches(
    world: demo.DemoWorld,
    now: datetime,
    count: int,
    *,
    seed: int,
    batch: int = 10_000,
    span_s: float = WEEK_S,
    board: BoardTelemetry | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """``count`` records in batches, oldest first, over ``span_s`` seconds before ``now``; with
    a ``board``, the demo's share of each batch is that board's agent telemetry (in the time
    of its sessions, so not in order)."""
    rng = random.Random(seed)
    start = now - timedelta(seconds=span_s)
    done = 0
    while done < count:
        size = min(batch, count - done)
        agents = board.rows(round(size * demo.TELEMETRY_SHARE), now) if board else []
        # This batch's share of the time span, with its timestamps drawn inside it, sorted.
        low = span_s * done / count
        width = span_s * size / count
        offsets = sorted(low + rng.random() * width for _ in range(size - len(agents)))
        rows = []
        for offset in offsets:
            row = demo.make_activity(world, now, rng)
            row["timestamp"] = start + timedelta(seconds=offset)
            row["record_metadata"] = {"source": "bench"}
            rows.append(normalise(row))
        done += size
        yield rows + agents


def ingest_records(
    world: demo.DemoWorld, now: datetime, count: int, *, seed: int, span_s: float = 3600.0
) -> list[dict[str, Any]]:
    """Records in file 004's JSON shape, as another system would send them to the ingest API.

    Their timestamps fall in the last hour: live traffic, a little late, in no particular order.
    """
    rng = random.Random(seed)
    records = []
    for _ in range(count):
        row = demo.make_activity(world, now, rng)
        row["timestamp"] = now - timedelta(seconds=rng.random() * span_s)
        records.append(api_record(row))
    return records


def api_record(row: dict[str, Any]) -> dict[str, Any]:
    """A generated row as file 004 shows a record (its ``id`` being the client's own id)."""
    record = {
        key: value
        for key, value in row.items()
        if key not in ("org_id", "received_at", "record_metadata", "total_tokens")
    }
    record["id"] = str(row["id"])
    record["timestamp"] = row["timestamp"].isoformat()
    record["metadata"] = row["record_metadata"]
    return record


def stored_rows(
    records: list[dict[str, Any]], org_id: uuid.UUID, now: datetime
) -> list[dict[str, Any]]:
    """The rows ingesting ``records`` stores: the client's id as external_id, a new row id."""
    rows = []
    for record in records:
        row = {key: value for key, value in record.items() if key not in ("id", "metadata")}
        row.update(
            org_id=org_id,
            external_id=record["id"],
            timestamp=datetime.fromisoformat(record["timestamp"]),
            record_metadata=record["metadata"],
            received_at=now,
        )
        rows.append(normalise(row))
    return rows


def run_batches(
    world: demo.DemoWorld,
    now: datetime,
    count: int,
    hot_count: int,
    *,
    seed: int,
    batch: int = 10_000,
) -> Iterator[list[dict[str, Any]]]:
    """``count`` runs as the demo makes them; ``hot_count`` of them belong to the first agent."""
    rng = random.Random(seed)
    hot, others = world.agents[0], world.agents[1:]
    done = 0
    while done < count:
        rows = []
        for index in range(done, min(count, done + batch)):
            agent = hot if index < hot_count else others[index % len(others)]
            run = demo.make_run(world, agent, now, rng, index)
            values = {name: getattr(run, name) for name in RUN_ATTRIBUTES}
            values.update(id=new_id(), run_metadata={}, agent_version_id=None, idempotency_key=None)
            rows.append(values)
        done += len(rows)
        yield rows
