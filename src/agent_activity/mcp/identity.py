"""Who an MCP request comes from: its session key, machine and client, from the transport.

Legacy clients (protocol 2025-11-25 and before) carry ``Mcp-Session-Id``, a signed id that
mcp/legacy.py has checked against the caller's token; its key is the session id. Sessionless
clients (2026-07-28) send their client info with every request; their session id is derived
from the token, that client info, the machine id and the project, so the same agent on the same
machine keeps one session across requests and server processes.
"""

from __future__ import annotations

import re
import uuid

from mcp_types import Implementation
from starlette.requests import Request

from agent_activity.domain.presence.client import ClientIdentity, derive_session_key
from agent_activity.domain.tenancy.principal import Principal
from agent_activity.mcp.sessions import LegacySession

SESSION_HEADER = "mcp-session-id"
LEGACY_STATE_KEY = "mcp_session"  # where mcp/legacy.py leaves the checked session
MACHINE_HEADER = "x-machine-id"
PROJECT_HEADER = "x-project-id"
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(value: str | None, limit: int = 64) -> str | None:
    """``Claude Code`` -> ``claude-code``: the client's name as the spec's caller_origin."""
    if not value:
        return None
    text = _SLUG.sub("-", value.lower()).strip("-")
    return text[:limit] or None


def machine_id(request: Request) -> str:
    """The X-Machine-Id header, else the client's address (documented in docs/mcp.md)."""
    header = request.headers.get(MACHINE_HEADER, "").strip()
    if header:
        return header[:128]
    return request.client.host if request.client else "unknown"


def client_identity(
    request: Request,
    client_info: Implementation | None,
    principal: Principal,
    project_id: uuid.UUID,
) -> ClientIdentity:
    name = client_info.name[:128] if client_info else None
    version = client_info.version[:64] if client_info else None
    # A legacy session's client said who it is once, at initialize; its signed id carries that.
    legacy: LegacySession | None = request.scope.get("state", {}).get(LEGACY_STATE_KEY)
    if legacy is not None:
        name, version = name or legacy.client_name, version or legacy.client_version
    machine = machine_id(request)
    user_agent = request.headers.get("user-agent", "").split("/")[0]
    origin = slug(name) or slug(user_agent)
    if legacy is not None:
        return ClientIdentity(legacy.key, "legacy", machine, origin, name, version)
    key = derive_session_key(principal.token_id, name, version, machine, project_id)
    return ClientIdentity(key, "sessionless", machine, origin, name, version)
