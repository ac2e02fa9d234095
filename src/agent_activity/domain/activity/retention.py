"""Retention of the activity log: each org keeps its records for a number of days (its own
setting, else the service's default, else for ever). A pass removes, org by org, the records
older than the org's cutoff in bounded transactions (pruning.py), then the rollup buckets older
than the cutoff. The cutoff is a UTC day boundary, so every hour and day bucket before it holds
only removed records and goes whole. Passes are coordinated by a lease in the database
(db/leases.py): whichever process holds it runs the pass, the others skip theirs.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from agent_activity.db.leases import release_lease, take_lease
from agent_activity.db.models import ActivityRecord, ActivityRollup, Org, TicketUsage
from agent_activity.domain.activity.pruning import BrokenBatch, drop_old_buckets, prune_chunk
from agent_activity.domain.activity.retention_partitions import (
    drop_day,
    drop_detached,
    droppable_days,
)
from agent_activity.domain.activity.rollups import day_of
from agent_activity.domain.errors import NotFound
from agent_activity.domain.tenancy.access import check_org_access
from agent_activity.domain.tenancy.principal import ADMIN, Principal

LEASE = "activity retention"
# Long enough for one transaction; renewed after each one.
LEASE_PERIOD = timedelta(minutes=5)
log = logging.getLogger(__name__)


def cutoff_of(now: datetime, days: int) -> datetime:
    """Records before this go: the start of the UTC day ``days`` days before today's."""
    return day_of(now) - timedelta(days=days)


@dataclass(frozen=True)
class OrgRetention:
    org_id: uuid.UUID
    days: int
    cutoff: datetime
    records: int  # records older than the cutoff (to go, or gone)
    buckets: int  # rollup rows older than the cutoff (to go, or gone)
    problem: str | None = None  # why the org's pass stopped, if it did


async def retention_days_of(
    session: AsyncSession, default_days: int | None, org_id: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, int]]:
    """Each org's retention in days (its own, else the default); orgs that keep for ever are
    left out."""
    statement = select(Org.id, Org.retention_days).order_by(Org.id)
    if org_id is not None:
        statement = statement.where(Org.id == org_id)
    rows = (await session.execute(statement)).all()
    if org_id is not None and not rows:
        raise NotFound("org", org_id)
    periods = [(org, days or default_days) for org, days in rows]
    return [(org, days) for org, days in periods if days is not None]


async def plan_retention(
    session: AsyncSession, default_days: int | None, now: datetime, org_id: uuid.UUID | None = None
) -> list[OrgRetention]:
    """What a pass at ``now`` would remove, per org (the dry run)."""
    plans = []
    for org, days in await retention_days_of(session, default_days, org_id):
        cutoff = cutoff_of(now, days)
        records = await session.scalar(
            select(func.count())
            .select_from(ActivityRecord)
            .where(ActivityRecord.org_id == org, ActivityRecord.timestamp < cutoff)
        )
        buckets = 0
        for table, spans in ((ActivityRollup, ("hour", "day")), (TicketUsage, ("hour",))):
            buckets += (
                await session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.org_id == org, table.span.in_(spans), table.bucket_start < cutoff)
                )
                or 0
            )
        plans.append(OrgRetention(org, days, cutoff, int(records or 0), buckets))
    return plans


@dataclass
class Retention:
    """Runs passes on one database, one bounded write transaction at a time."""

    sessionmaker: async_sessionmaker[AsyncSession]
    default_days: int | None
    clock: Callable[[], datetime]
    batch_size: int = 2000
    holder: str = ""

    def __post_init__(self) -> None:
        self.holder = self.holder or secrets.token_hex(8)

    async def run_pass(self, org_id: uuid.UUID | None = None) -> list[OrgRetention] | None:
        """One pass over every org (or one); None when another process holds the lease."""
        if not await self._renew():
            return None
        try:
            async with self.sessionmaker() as session:
                plans = await plan_retention(session, self.default_days, self.clock(), org_id)
                dialect = (await session.connection()).dialect.name
            if dialect == "postgresql" and org_id is None:
                # A partition holds every org's records of its day, so only a full pass drops.
                await self._drop_partitions({plan.org_id: plan.cutoff for plan in plans})
            return [await self._prune(plan) for plan in plans]
        finally:
            await release_lease(self.sessionmaker, LEASE, self.holder)

    async def run_forever(self, interval_s: float) -> None:
        """A pass every ``interval_s`` seconds, for as long as the service runs."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.run_pass()
            except Exception:  # a failed pass (database away) must not end the job
                log.exception("retention pass failed; the next one retries")

    async def _drop_partitions(self, cutoffs: dict[uuid.UUID, datetime]) -> list[date]:
        """Drop the day partitions wholly past their orgs' cutoffs (retention_partitions.py)."""
        async with self.sessionmaker() as session:
            days = await droppable_days(await session.connection(), cutoffs)
        dropped = []
        for day in days:
            if not await self._renew():
                break
            try:
                async with self.sessionmaker() as session, session.begin():
                    records = await drop_day(await session.connection(), day, self.clock())
            except DBAPIError:  # the lock not had in time: the batch deletes go on instead
                log.warning("retention could not drop the partition of %s now", day, exc_info=True)
                break
            async with self.sessionmaker() as session, session.begin():
                await drop_detached(await session.connection(), day)
            log.info("retention dropped the partition of %s (%d records)", day, records)
            dropped.append(day)
        return dropped

    async def _renew(self) -> bool:
        return await take_lease(self.sessionmaker, LEASE, self.holder, self.clock(), LEASE_PERIOD)

    async def _prune(self, plan: OrgRetention) -> OrgRetention:
        org, cutoff, limit = plan.org_id, plan.cutoff, self.batch_size
        problem = None
        try:
            while await self._step(lambda c: prune_chunk(c, org, cutoff, limit, self.clock())):
                pass
            while await self._step(lambda c: drop_old_buckets(c, org, cutoff, limit)):
                pass
        except BrokenBatch as error:
            log.error("retention stopped for org %s: %s", org, error.message)
            problem = error.message
        return OrgRetention(org, plan.days, cutoff, plan.records, plan.buckets, problem)

    async def _step(self, work: Callable[[AsyncConnection], Awaitable[int]]) -> bool:
        """One bounded transaction of ``work``; False when it found nothing left to do, or
        the lease was lost."""
        if not await self._renew():
            return False
        async with self.sessionmaker() as session, session.begin():
            done = await work(await session.connection())
        return done > 0


@dataclass(frozen=True)
class RetentionSetting:
    org_id: uuid.UUID
    retention_days: int | None  # the org's own, None: the default
    default_days: int | None  # the service's, None: for ever
    effective_days: int | None


async def get_retention(
    session: AsyncSession, principal: Principal, org_id: uuid.UUID, default_days: int | None
) -> RetentionSetting:
    """The org's retention; an admin's read."""
    check_org_access(principal, org_id, ADMIN)
    org = await session.get(Org, org_id)
    if org is None:
        raise NotFound("org", org_id)
    own = org.retention_days
    return RetentionSetting(org_id, own, default_days, own or default_days)


async def set_retention(
    session: AsyncSession,
    principal: Principal,
    org_id: uuid.UUID,
    days: int | None,
    default_days: int | None,
) -> RetentionSetting:
    """Set (or with None clear) the org's own retention; the next pass applies it."""
    check_org_access(principal, org_id, ADMIN)
    org = await session.get(Org, org_id)
    if org is None:
        raise NotFound("org", org_id)
    org.retention_days = days
    await session.flush()
    return RetentionSetting(org_id, days, default_days, days or default_days)
