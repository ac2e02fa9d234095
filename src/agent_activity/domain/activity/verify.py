"""Walking an org's chain of batch seals against the records it holds (see seals.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord, ActivitySeal
from agent_activity.domain.activity.query import PAGE_COLUMNS, as_activity
from agent_activity.domain.activity.seals import GENESIS, leaf_of, records_digest, seal_digest

R = ActivityRecord
S = ActivitySeal


@dataclass(frozen=True)
class BadBatch:
    position: int
    batch: int | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    org_id: uuid.UUID
    seals: int
    records: int
    unsealed: int  # written before the chain began
    first_bad: BadBatch | None
    superseded: int = 0  # seals of batches that retention resealed since

    @property
    def ok(self) -> bool:
        return self.first_bad is None


async def batch_leaves(
    session: AsyncSession, org_id: uuid.UUID
) -> AsyncIterator[tuple[int, list[bytes]]]:
    """Each sealed batch's id and its records' leaves, as stored now. Read in batch order, so
    only one batch's leaves are held at a time."""
    current: int | None = None
    leaves: list[bytes] = []
    statement = (
        select(R.seal_batch, *PAGE_COLUMNS)
        .where(R.org_id == org_id, R.seal_batch.is_not(None))
        .order_by(R.seal_batch)
        .execution_options(yield_per=2000)
    )
    async for row in await session.stream(statement):
        if row[0] != current:
            if current is not None:
                yield current, leaves
            current, leaves = row[0], []
        leaves.append(leaf_of(as_activity(tuple(row[1:]))))
    if current is not None:
        yield current, leaves


async def batch_digests(session: AsyncSession, org_id: uuid.UUID) -> dict[int, tuple[int, str]]:
    """Each batch's (record count, records digest) from the records as stored now."""
    return {
        batch: (len(leaves), records_digest(leaves))
        async for batch, leaves in batch_leaves(session, org_id)
    }


async def verify_org(
    session: AsyncSession, org_id: uuid.UUID, progress: Callable[[int], None] = lambda n: None
) -> ChainReport:
    """Walk ``org_id``'s chain in order and name the first seal that does not match."""
    stored = await batch_digests(session, org_id)
    records = sum(count for count, _ in stored.values())
    unsealed = await session.scalar(
        select(func.count()).where(R.org_id == org_id, R.seal_batch.is_(None))
    )
    latest = await last_seals(session, org_id)
    previous, expected, seals, superseded, first_bad = GENESIS, 1, 0, 0, None
    statement = select(S).where(S.org_id == org_id).order_by(S.position)
    for seal in (await session.scalars(statement)).all():
        seals += 1
        # Only a batch's last seal speaks for its records now; earlier ones keep their links.
        current = latest[seal.batch] == seal.position
        superseded += not current
        found = stored.pop(seal.batch, None) if current else SUPERSEDED
        first_bad = first_bad or check_seal(seal, expected, previous, found)
        previous, expected = seal.digest, seal.position + 1
        progress(1)
    if first_bad is None and stored:
        batch = min(stored)
        first_bad = BadBatch(expected, batch, "records of a batch no seal names")
    return ChainReport(org_id, seals, records, int(unsealed or 0), first_bad, superseded)


async def last_seals(session: AsyncSession, org_id: uuid.UUID) -> dict[int, int]:
    """Each batch's last seal position: retention appends a new seal of a batch it pruned."""
    statement = select(S.batch, func.max(S.position)).where(S.org_id == org_id).group_by(S.batch)
    return {batch: position for batch, position in (await session.execute(statement)).all()}


# What check_seal is given for a seal that a later seal of its batch supersedes.
SUPERSEDED = (-1, "")


def check_seal(
    seal: ActivitySeal, expected: int, previous: str, found: tuple[int, str] | None
) -> BadBatch | None:
    """Why ``seal`` does not match its place in the chain and its records, if it does not."""

    def bad(reason: str) -> BadBatch:
        return BadBatch(seal.position, seal.batch, reason)

    if seal.position != expected:
        return BadBatch(expected, None, f"seal {expected} is missing (the next is {seal.position})")
    if seal.previous != previous:
        return bad("does not follow the previous seal")
    own = seal_digest(seal.previous, seal.position, seal.batch, seal.record_count,
                      seal.records_digest)  # fmt: skip
    if own != seal.digest:
        return bad("the seal's own digest does not match its fields")
    if found is SUPERSEDED:
        return None
    count, digest = found or (0, records_digest([]))
    if count != seal.record_count:
        return bad(f"holds {count} records, sealed with {seal.record_count}")
    if digest != seal.records_digest:
        return bad("a record was changed since it was sealed")
    return None
