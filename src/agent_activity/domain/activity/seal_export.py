"""Seals that travel with an export, so a verifier can check it offline, without the database.

Each seal line holds the seal's fields and its records' leaves; a verifier checks the chain and
each seal's leaves against its digest, then that every exported record's leaf is in a seal. An
export with filters holds part of some batches, which is fine: a leaf proves its own record.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivitySeal
from agent_activity.domain.activity.seals import GENESIS, leaf_of, records_digest, seal_digest
from agent_activity.domain.activity.verify import batch_leaves

FIELDS = ("position", "batch", "record_count", "records_digest", "previous", "digest")


async def seal_lines(session: AsyncSession, org_id: uuid.UUID) -> AsyncIterator[dict[str, Any]]:
    """The org's seals, each batch's last one with its records' leaves (hex), in batch order;
    then the seals that hold no records (a batch retention emptied) with no leaves, and those a
    later seal of their batch superseded with ``leaves: null``."""
    statement = select(ActivitySeal).where(ActivitySeal.org_id == org_id)
    seals: dict[int, ActivitySeal] = {}
    superseded: list[ActivitySeal] = []
    for seal in (await session.scalars(statement.order_by(ActivitySeal.position))).all():
        if seal.batch in seals:
            superseded.append(seals[seal.batch])
        seals[seal.batch] = seal
    async for batch, leaves in batch_leaves(session, org_id):
        last = seals.pop(batch, None)
        if last is not None:
            line = {name: getattr(last, name) for name in FIELDS}
            yield line | {"leaves": sorted(leaf.hex() for leaf in leaves)}
    for empty in seals.values():
        yield {name: getattr(empty, name) for name in FIELDS} | {"leaves": []}
    for seal in superseded:
        yield {name: getattr(seal, name) for name in FIELDS} | {"leaves": None}


@dataclass(frozen=True)
class OfflineReport:
    seals: int
    records: int
    problem: str | None  # the first thing that does not match, None when all do


def verify_export(
    seals: Iterable[dict[str, Any]], activities: Iterable[dict[str, Any]]
) -> OfflineReport:
    """Check an export's records against the seals it carries."""
    chain = sorted(seals, key=lambda line: int(line["position"]))
    latest = {line["batch"]: int(line["position"]) for line in chain}
    known: set[str] = set()
    previous, expected = GENESIS, 1
    for line in chain:
        position = int(line["position"])
        fields = (line["previous"], position, line["batch"], line["record_count"])
        if position != expected:
            return OfflineReport(len(chain), 0, f"seal {expected} is missing")
        if (
            line["previous"] != previous
            or seal_digest(*fields, line["records_digest"]) != line["digest"]
        ):
            return OfflineReport(len(chain), 0, f"seal {position} does not follow the chain")
        if line["leaves"] is None and latest[line["batch"]] > position:
            # Superseded by a later seal of its batch (retention), which holds the leaves.
            previous, expected = line["digest"], position + 1
            continue
        leaves = [bytes.fromhex(leaf) for leaf in line["leaves"] or []]
        if len(leaves) != line["record_count"] or records_digest(leaves) != line["records_digest"]:
            return OfflineReport(len(chain), 0, f"seal {position}'s leaves do not match it")
        known.update(line["leaves"])
        previous, expected = line["digest"], position + 1
    records = 0
    for activity in activities:
        records += 1
        if leaf_of(activity).hex() not in known:
            problem = f"record {activity['id']} matches no seal: changed since it was sealed"
            return OfflineReport(len(chain), records, problem)
    return OfflineReport(len(chain), records, None)
