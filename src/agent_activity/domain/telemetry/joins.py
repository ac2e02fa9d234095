"""Joining a telemetry session to the MCP session of the same agent.

An MCP ``tools/call`` carries ids in ``params._meta`` that its telemetry repeats: Claude Code's
``claudecode/toolUseId`` is the ``tool_use_id`` of its tool events; Codex's ``callId`` is their
``call_id`` and its ``threadId``/``sessionId`` the ``conversation.id``. Each call stores those ids
against its MCP session (rows of ``telemetry_joins``, in the database so every process sees
them); a telemetry batch looks its ids up, and once one item of a telemetry session is joined,
the session id itself is stored too, so its later items join without a tool call of their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_activity.db.base import new_id, utcnow
from agent_activity.db.batch_writer import BatchWriter, in_transaction
from agent_activity.db.models import TelemetryJoin
from agent_activity.db.upsert import insert_for

JOIN_FLUSH_INTERVAL_S = 0.25
MAX_KEY = 200
# The ``_meta`` entries of a tools/call that telemetry repeats.
META_KEYS = ("claudecode/toolUseId", "callId", "threadId", "sessionId")


@dataclass(frozen=True)
class JoinKey:
    org_id: uuid.UUID
    key: str
    mcp_session_id: uuid.UUID


JoinWriter = BatchWriter[JoinKey]


def join_writer(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> JoinWriter:
    return BatchWriter(
        "telemetry joins",
        in_transaction(write_joins, sessionmaker),
        flush_interval_s=JOIN_FLUSH_INTERVAL_S,
        max_batch=1000,
    )


def keys_from_meta(meta: dict[str, Any] | None) -> list[str]:
    """The join ids of one tools/call's ``_meta``."""
    if not isinstance(meta, dict):
        return []
    found = [str(meta[name])[:MAX_KEY] for name in META_KEYS if meta.get(name)]
    turn = meta.get("x-codex-turn-metadata")
    if isinstance(turn, dict) and turn.get("session_id"):
        found.append(str(turn["session_id"])[:MAX_KEY])
    return list(dict.fromkeys(found))


async def write_joins(session: AsyncSession, joins: list[JoinKey]) -> None:
    """Store ``joins``; a key already stored keeps its first session."""
    unique = {(join.org_id, join.key): join for join in joins}
    if not unique:
        return
    table = cast(Table, TelemetryJoin.__table__)
    dialect = (await session.connection()).dialect.name
    statement = insert_for(dialect, table).on_conflict_do_nothing(
        index_elements=["org_id", "join_key"]
    )
    now = utcnow()
    await session.execute(
        statement,
        [
            {
                "id": new_id(),
                "org_id": j.org_id,
                "join_key": j.key,
                "mcp_session_id": j.mcp_session_id,
                "created_at": now,
            }
            for j in unique.values()
        ],
    )


async def joined_sessions(
    session: AsyncSession, org_id: uuid.UUID, keys: Iterable[str]
) -> dict[str, uuid.UUID]:
    """The MCP session each of ``keys`` was stored against, in ``org_id`` only."""
    wanted = sorted({key[:MAX_KEY] for key in keys if key})
    found: dict[str, uuid.UUID] = {}
    for start in range(0, len(wanted), 500):
        rows = await session.execute(
            select(TelemetryJoin.join_key, TelemetryJoin.mcp_session_id).where(
                TelemetryJoin.org_id == org_id,
                TelemetryJoin.join_key.in_(wanted[start : start + 500]),
            )
        )
        found.update({key: mcp for key, mcp in rows})
    return found
