"""What an MCP tool body works with (:class:`ToolCall`), and the activity record of one call.

mcp/calls.py runs a call end to end; a tool body (mcp/tools.py) reads and writes through the
``ToolCall`` it is given and names the resource it touched for the call's record.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.api.error_handling import status_for
from agent_activity.db.models import AgentSession, Project, WorkInterval
from agent_activity.domain.errors import DomainError
from agent_activity.domain.presence import sessions as presence
from agent_activity.domain.presence.client import ClientIdentity
from agent_activity.domain.presence.live import LiveSession
from agent_activity.domain.presence.touches import Touch
from agent_activity.domain.tenancy.access import ProjectRef, get_project
from agent_activity.domain.tenancy.principal import Principal
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
        record.update(resource_type=self.resource_type, resource_id=self.resource_id)
        self.recorded = True
        return record

    def settle_work(self, interval: WorkInterval | None) -> None:
        """The session's open interval after this call: ``interval``, or none."""
        self.work, self.work_known, self.work_changed = interval, True, True


ToolBody = Callable[[ToolCall], Awaitable[dict[str, Any]]]


def activity_record(
    principal: Principal,
    tool: str,
    started: float,
    now: datetime,
    project: ProjectRef | None,
    agent: AgentSession | None,
    error: Exception | None,
) -> dict[str, Any]:
    """One activity-log row for one tool call (ActivityRecord column names)."""
    status = 200
    error_code = None
    if isinstance(error, DomainError):
        status = status_for(error)
        error_code = error.code
    elif error is not None:
        status, error_code = 500, "INTERNAL_ERROR"
    metadata: dict[str, Any] = {"transport": "mcp"}
    if project is not None:
        metadata["project_id"] = str(project.id)
    if agent is not None:
        metadata.update(mcp_session_id=agent.session_key, protocol=agent.protocol)
        metadata["client"] = agent.client_name
    return {
        "org_id": principal.org_id,
        "timestamp": now,
        "received_at": now,
        "user_id": str(principal.principal_id) if principal.is_user else None,
        "workspace_id": str(project.workspace_id) if project is not None else None,
        "principal_type": principal.principal_type,
        "principal_id": str(principal.principal_id),
        "token_id": str(principal.token_id),
        "token_type": "api_token",
        "method": "MCP",
        "path": f"mcp:{tool}",
        "resource_type": "project" if project is not None else None,
        "resource_id": str(project.id) if project is not None else None,
        "action": tool,
        "status_code": status,
        "success": error is None,
        "error_code": error_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        "record_metadata": metadata,
    }
