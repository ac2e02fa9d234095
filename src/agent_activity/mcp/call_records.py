"""The activity record of one MCP tool call: its row, and its hand-off to the request log.

A call's record names the agent session as intervals and joined telemetry name it
(``metadata.mcp_session_id``, the session's id) and the ticket its agent was working on as the
call ended (``ticket_id``), so a session's tool calls and its telemetry count as one agent on
one ticket (docs/mcp.md, "Every call is logged").
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from agent_activity.api.error_handling import status_for
from agent_activity.db.models import AgentSession
from agent_activity.domain.errors import DomainError
from agent_activity.domain.tenancy.access import ProjectRef
from agent_activity.domain.tenancy.principal import Principal
from agent_activity.runtime import Runtime


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
        # The agent session as intervals and joined telemetry name it (its id), so its calls
        # and its telemetry count as one agent; the transport's key is kept beside it.
        metadata.update(mcp_session_id=str(agent.id), mcp_session_key=agent.session_key)
        metadata.update(protocol=agent.protocol, client=agent.client_name)
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


def submit(runtime: Runtime, record: dict[str, Any]) -> None:
    if runtime.settings.request_log_enabled:
        runtime.request_log.submit(record)
