"""A read-only tool call on a live session: its last activity is written behind the call.

Three calls in four on a board are heartbeats and reads. Writing each one's last activity in
its own transaction made every such call a writer, and on SQLite writers take turns: at a
thousand clients the turns, not the work, set the latency. So a read-only call on a session that
is live on the caller's project only reads, and hands a ``Touch`` to a batching writer
(db/batch_writer.py) that stores all pending touches in one statement every
``TOUCH_FLUSH_INTERVAL_S``.

What that means, documented in docs/presence.md: another reader (any process) sees a read-only
call's activity up to one flush interval late, against a staleness threshold of a minute; a
crash loses at most that interval of touches (the session looks that much older); a graceful
stop writes them all. Calls that change state, and calls that create, revive or move a session,
still touch it in their own transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_activity.db.batch_writer import BatchWriter, in_transaction
from agent_activity.db.models import AgentSession
from agent_activity.domain.presence.client import ClientIdentity
from agent_activity.domain.presence.sessions import (
    touch_parameters,
    touched_columns,
)

TOUCH_FLUSH_INTERVAL_S = 0.5
TOUCH_MAX_BATCH = 1000


@dataclass(frozen=True)
class Touch:
    agent_id: uuid.UUID
    at: datetime
    identity: ClientIdentity


TouchWriter = BatchWriter[Touch]


def touch_writer(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> TouchWriter:
    return BatchWriter(
        "presence touches",
        in_transaction(write_touches, sessionmaker),
        flush_interval_s=TOUCH_FLUSH_INTERVAL_S,
        max_batch=TOUCH_MAX_BATCH,
    )


async def write_touches(session: AsyncSession, touches: list[Touch]) -> None:
    """One statement for the batch. A session ended meanwhile stays ended (its next call revives
    it properly), and a later activity already stored is never moved back."""
    table = cast(Table, AgentSession.__table__)
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("agent"),
            table.c.ended_at.is_(None),
            table.c.last_activity_at < bindparam("at"),
        )
        .values(touched_columns("at"))
    )
    await session.execute(
        statement,
        [
            {"agent": touch.agent_id, "at": touch.at, **touch_parameters(touch.identity)}
            for touch in touches
        ],
    )
