"""Storing a telemetry batch: each fact once, however often its export is retried.

Every record has a stable key (``external_id``) and a timestamp: records already stored (the
same key at the same time), or keys seen earlier in the same batch, are skipped. Records go
through ``write_activity_records`` like every other path, so feeds, rollups and summaries see
them at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.domain.activity.ingest import stored_external_ids
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.telemetry.attribution import attribute
from agent_activity.domain.telemetry.records import TelemetryRecord


@dataclass(frozen=True)
class Stored:
    inserted: int
    duplicates: int


async def store_telemetry(
    session: AsyncSession, org_id: uuid.UUID, items: list[TelemetryRecord], now: datetime
) -> Stored:
    """Store ``items`` in ``org_id``; flushes only, the caller commits."""
    unique: dict[str, TelemetryRecord] = {}
    for item in items:
        unique.setdefault(item.external_id, item)  # the first copy in the batch wins
    keys = [(key, item.record["timestamp"]) for key, item in unique.items()]
    stored = await stored_external_ids(session, org_id, keys)
    fresh = [item for key, item in unique.items() if key not in stored]
    await attribute(session, org_id, fresh, now)
    await write_activity_records(
        session,
        [{**item.record, "org_id": org_id, "external_id": item.external_id} for item in fresh],
    )
    return Stored(len(fresh), len(items) - len(fresh))
