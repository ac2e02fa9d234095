"""What an MCP tool body works with (:class:`ToolCall`); a call's record is mcp/call_records.py's.

mcp/calls.py runs a call end to end; a tool body (mcp/tools.py) reads and writes through the
``ToolCall`` it is given and names the resource it touched for the call's record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import AgentSession, Project, WorkInterval
from agent_activity.domain.presence import sessions as presence
from agent_activity.domain.presence.client import ClientIdentity
from agent_activity.domain.presence.live import LiveSession
from agent_activity.domain.presence.touches import Touch
from agent_activity.domain.tenancy.access import ProjectRef, get_project
from agent_activity.domain.tenancy.principal import Principal
from agent_activity.mcp.call_records import activity_record
from agent_activity.runtime import Runtime


@dataclass
class ToolCall:
    """What a tool body works with; it names the resource it touched for the record."""

    db: AsyncSession
    principal: Principal
    project: ProjectRef
    agent: AgentSession
    now: datetime
    runtime: Runtime
    identity: ClientIdentity
    resource_type: str = "project"
    resource_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # The session as this process remembered it (domain/presence/live.py), if it did.
    remembered: LiveSession | None = None
    # The session's open interval once known: read, or set by a body that changed it.
    work: WorkInterval | None = None
    work_known: bool = False
    work_changed: bool = False
    # No interval of the session is open (presence.Touched.nothing_open).
    nothing_open: bool = False
    tool: str = ""
    started: float = 0.0  # time.perf_counter() when the call began
    # Its activity record was stored with its effects (``audit``), so none is written behind.
    recorded: bool = False

    async def project_row(self) -> Project:
        """The project's row (its board), for the tools that need more than who may see it."""
        return await get_project(self.db, self.principal, self.project.id)

    async def open_interval(self) -> WorkInterval | None:
        """The caller's open work interval (from memory when this call already knows it)."""
        if not self.work_known:
            if self.remembered is not None:
                self.work = self.remembered.work_row()
            else:
                self.work = await presence.open_interval(self.db, self.agent)
            self.work_known = True
        return self.work

    def touch(self) -> Touch:
        """This call's touch of its session, for a write that is not the call's own."""
        return Touch(self.agent.id, self.now, self.identity)

    def audit(self) -> dict[str, Any] | None:
        """This successful call's activity record, for a write to store in the transaction of
        its effects (never an acknowledged change without its record); None with the log off."""
        if not self.runtime.settings.request_log_enabled:
            return None
        record = activity_record(
            self.principal, self.tool, self.started, self.now, self.project, self.agent, None
        )
        record.update(
            resource_type=self.resource_type,
            resource_id=self.resource_id,
            ticket_id=self.ticket_id(),
        )
        self.recorded = True
        return record

    def ticket_id(self) -> str | None:
        """The ticket of the session's open interval as this call leaves it, for its record: the
        call counts on the ticket its agent is working on, as the agent's telemetry does. Known
        without a query once ``open_interval`` was awaited or the session is remembered."""
        work = self.work if self.work_known else None
        if not self.work_known and self.remembered is not None:
            work = self.remembered.work_row()
        return str(work.ticket_id) if work is not None and work.ticket_id else None

    def settle_work(self, interval: WorkInterval | None) -> None:
        """The session's open interval after this call: ``interval``, or none."""
        self.work, self.work_known, self.work_changed = interval, True, True


ToolBody = Callable[[ToolCall], Awaitable[dict[str, Any]]]
