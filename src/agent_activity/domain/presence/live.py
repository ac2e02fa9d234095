"""A process's memory of the MCP sessions it serves, so a heartbeat need not ask the database.

An agent calls a tool every few seconds, mostly ``heartbeat``; after the token and the project
(remembered elsewhere) the only thing such a call reads is the caller's session and its open
work interval. This process remembers both for each session it served, for
``live_session_cache_s``, and keeps them exact for what it changes itself: a tool call that
starts or stops work replaces the entry after its commit, one that took the long way through
``touch_session`` (a revival, a move to another project) drops it.

What an entry cannot see is another process's change to the same session: with several
processes behind one address, a heartbeat may show the interval as it was before a start_work
or stop_work that another process served, for at most ``live_session_cache_s``. The board
reads the database and is always current. Liveness is never taken from memory past what the
database would say: an entry is only used while its session is clear of the timeout by
``presence.LIVE_MARGIN_S``, as for ``find_live_session``, so a sweep cannot end it in between.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cachetools import TLRUCache

from agent_activity.db.models import AgentSession, WorkInterval
from agent_activity.domain.memo import memo
from agent_activity.domain.presence.sessions import safely_live_for


@dataclass(frozen=True)
class OpenWork:
    """A session's open work interval, as tools answer with it."""

    id: uuid.UUID
    ticket_id: uuid.UUID | None
    agent_role: str | None
    started_at: datetime

    def row(self, agent_id: uuid.UUID) -> WorkInterval:
        """A detached copy of the interval's row, for code written against the model."""
        return WorkInterval(
            id=self.id,
            session_id=agent_id,
            ticket_id=self.ticket_id,
            agent_role=self.agent_role,
            started_at=self.started_at,
            ended_at=None,
            duration_seconds=None,
        )


@dataclass(frozen=True)
class LiveSession:
    agent_id: uuid.UUID
    session_key: str
    org_id: uuid.UUID
    token_id: uuid.UUID | None
    project_id: uuid.UUID
    protocol: str
    client_name: str | None
    caller_role: str | None
    connected_at: datetime
    last_activity_at: datetime  # the latest this process knows of
    work: OpenWork | None

    @classmethod
    def of(cls, agent: AgentSession, work: WorkInterval | None) -> LiveSession:
        assert agent.project_id is not None  # a live session is on a project
        return cls(
            agent_id=agent.id,
            session_key=agent.session_key,
            org_id=agent.org_id,
            token_id=agent.token_id,
            project_id=agent.project_id,
            protocol=agent.protocol,
            client_name=agent.client_name,
            caller_role=agent.caller_role,
            connected_at=agent.connected_at,
            last_activity_at=agent.last_activity_at,
            work=None
            if work is None or work.ended_at is not None
            else OpenWork(work.id, work.ticket_id, work.agent_role, work.started_at),
        )

    def agent_row(self) -> AgentSession:
        """A detached copy of the session's row with what tools and the activity log read."""
        return AgentSession(
            id=self.agent_id,
            session_key=self.session_key,
            org_id=self.org_id,
            token_id=self.token_id,
            project_id=self.project_id,
            protocol=self.protocol,
            client_name=self.client_name,
            caller_role=self.caller_role,
            connected_at=self.connected_at,
            last_activity_at=self.last_activity_at,
            ended_at=None,
        )

    def work_row(self) -> WorkInterval | None:
        return self.work.row(self.agent_id) if self.work is not None else None


Entry = tuple[LiveSession, float]  # the session and when this memory of it ends (POSIX time)


class LiveSessions:
    def __init__(
        self,
        ttl_s: float,
        timeout_s: float,
        clock: Callable[[], datetime],
        max_entries: int = 100_000,
    ) -> None:
        self.ttl = timedelta(seconds=ttl_s)
        self.live_for = safely_live_for(timeout_s)
        self.clock = clock
        self._entries: TLRUCache[str, Entry] | None = None
        if ttl_s > 0:
            self._entries = memo(max_entries, clock)

    def get(
        self,
        session_key: str,
        org_id: uuid.UUID,
        token_id: uuid.UUID,
        project_id: uuid.UUID,
        now: datetime,
    ) -> LiveSession | None:
        """The session, when it is remembered as live for this caller on this project."""
        if self._entries is None:
            return None
        entry = self._entries.get(session_key)
        if entry is None:
            return None
        live = entry[0]
        if (live.org_id, live.token_id, live.project_id) != (org_id, token_id, project_id):
            return None
        if not now - self.live_for < live.last_activity_at <= now:
            return None  # near its timeout (or a clock gone back): the database decides
        return live

    def put(self, live: LiveSession) -> None:
        """Remember ``live`` as read from, or just written to, the database."""
        if self._entries is not None:
            until = self.clock() + self.ttl
            self._entries[live.session_key] = (live, until.timestamp())

    def touched(self, session_key: str, at: datetime) -> None:
        """A call that changed nothing but the last activity. The entry's end stays: it
        counts from when its interval was last known for sure."""
        if self._entries is None:
            return
        entry = self._entries.get(session_key)
        if entry is not None and at > entry[0].last_activity_at:
            self._entries[session_key] = (replace(entry[0], last_activity_at=at), entry[1])

    def forget(self, session_key: str) -> None:
        if self._entries is not None:
            self._entries.pop(session_key, None)
