"""Progress reports on a live session, stored by group commit (db/group_commit.py).

A ``report_progress`` on a session already live on the caller's project needs no long way:
its session is known (domain/presence/live.py or one read) and its ticket is read before. What
is left to write is the session's touch and the checkpoint, and those of every report waiting
at the same moment go in one transaction: one UPDATE for the touches, one INSERT for the
checkpoints, one for the calls' activity records, one commit. Each call answers only after
that commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_activity.db.group_commit import GroupCommit
from agent_activity.db.models import Checkpoint
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.presence.touches import Touch, write_touches


@dataclass(frozen=True)
class ProgressReport:
    touch: Touch
    checkpoint: dict[str, Any]  # the checkpoints row, by column (checkpoints.checkpoint_values)
    audit: dict[str, Any] | None = None  # the call's activity record, stored in the same commit


ProgressWriter = GroupCommit[ProgressReport]


def progress_writer(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> ProgressWriter:
    return GroupCommit("progress reports", write_progress, sessionmaker)


async def write_progress(session: AsyncSession, reports: list[ProgressReport]) -> None:
    await write_touches(session, [report.touch for report in reports])
    table = cast(Table, Checkpoint.__table__)
    await session.execute(insert(table), [report.checkpoint for report in reports])
    await write_activity_records(session, [r.audit for r in reports if r.audit is not None])
