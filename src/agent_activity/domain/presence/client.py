"""Who is on the other end of an MCP request, and the session key a sessionless client gets."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class ClientIdentity:
    """Who is on the other end of an MCP request, as far as the transport tells us."""

    session_key: str
    protocol: str  # "legacy" (Mcp-Session-Id) or "sessionless"
    machine_id: str
    origin: str | None
    client_name: str | None
    client_version: str | None


def derive_session_key(
    token_id: uuid.UUID,
    client_name: str | None,
    client_version: str | None,
    machine_id: str,
    project_id: uuid.UUID | None,
) -> str:
    """The stable session id of a sessionless client: the same caller always maps to one key."""
    material = "|".join(
        [str(token_id), client_name or "", client_version or "", machine_id, str(project_id or "")]
    )
    return "sl_" + hashlib.sha256(material.encode()).hexdigest()[:40]
