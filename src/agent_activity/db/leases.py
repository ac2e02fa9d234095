"""Leases on background jobs, kept in the database so that of any number of server processes
only one runs a job's pass at a time. A lease expires by itself, so a process that dies in a
pass blocks the job for at most one lease period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_activity.db.models import JobLease
from agent_activity.db.upsert import insert_for

# The holder of a lease row nobody has taken yet; it has long expired.
NOBODY = ""
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


async def take_lease(
    sessionmaker: async_sessionmaker[AsyncSession],
    name: str,
    holder: str,
    now: datetime,
    period: timedelta,
) -> bool:
    """Take or renew the lease ``name`` for ``holder`` until ``now + period``; False when another
    holder has it and it has not expired."""
    async with sessionmaker() as session, session.begin():
        dialect = (await session.connection()).dialect.name
        await session.execute(
            insert_for(dialect, JobLease)
            .values(name=name, holder=NOBODY, expires_at=NEVER)
            .on_conflict_do_nothing(index_elements=[JobLease.name])
        )
        # One conditional update: of two processes racing, the database lets exactly one match.
        taken = cast(
            CursorResult[Any],
            await session.execute(
                update(JobLease)
                .where(
                    JobLease.name == name,
                    or_(JobLease.expires_at <= now, JobLease.holder == holder),
                )
                .values(holder=holder, expires_at=now + period)
            ),
        )
        return taken.rowcount == 1


async def release_lease(
    sessionmaker: async_sessionmaker[AsyncSession], name: str, holder: str
) -> None:
    """Give the lease back, so the next pass need not wait for it to expire."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(JobLease)
            .where(JobLease.name == name, JobLease.holder == holder)
            .values(expires_at=NEVER)
        )
