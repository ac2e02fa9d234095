"""Who is calling, and what they may do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from agent_activity.domain.errors import Forbidden

READ = "read"
WRITE = "write"
INGEST = "ingest"
ADMIN = "admin"
TOKEN_USAGE = "token_usage:read"
ALL_SCOPES = (READ, WRITE, INGEST, ADMIN, TOKEN_USAGE)
DEFAULT_SCOPES = (READ, WRITE)

ROLES = ("owner", "admin", "member", "viewer")
# What a membership role allows; a user token's effective scopes are its scopes cut down to this.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "owner": frozenset(ALL_SCOPES),
    "admin": frozenset(ALL_SCOPES),
    "member": frozenset({READ, WRITE, INGEST}),
    "viewer": frozenset({READ}),
}


@dataclass(frozen=True)
class Principal:
    token_id: uuid.UUID
    org_id: uuid.UUID
    principal_type: str  # user | agent | service
    principal_id: uuid.UUID
    scopes: frozenset[str]
    # (scope_type, scope_id) -> role, for user principals only.
    roles: dict[tuple[str, uuid.UUID], str] = field(default_factory=dict)

    @property
    def is_user(self) -> bool:
        return self.principal_type == "user"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes or ADMIN in self.scopes

    def require_scope(self, scope: str) -> None:
        if not self.has_scope(scope):
            raise Forbidden(f"This token lacks the '{scope}' permission", required_permission=scope)

    def role_on(self, *scopes: tuple[str, uuid.UUID]) -> str | None:
        """The strongest role held on any of the given (scope_type, id) pairs."""
        held = [self.roles[s] for s in scopes if s in self.roles]
        return min(held, key=ROLES.index) if held else None
