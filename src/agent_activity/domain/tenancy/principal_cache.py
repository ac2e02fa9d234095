"""A short memory of who a bearer token is, so a request does not always ask the database.

Every REST request and every MCP tool call starts by looking its token up. An agent calls a
tool every few seconds and the board polls, so the same few tokens are looked up over and over;
on SQLite that lookup alone was the largest single cost of a heartbeat. Each process therefore
keeps a token's principal for ``auth_cache_s`` seconds after it read it.

The price, documented in docs/security.md: a revoked token, or a user's changed membership,
takes effect within ``auth_cache_s`` instead of at once. A token's own ``expires_at`` is kept
exactly (an entry never outlives it), and 0 turns the cache off.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cachetools import TLRUCache

from agent_activity.domain.memo import memo
from agent_activity.domain.tenancy.principal import Principal

Entry = tuple[Principal, float]  # the principal and when this memory of it ends (POSIX time)


class PrincipalCache:
    def __init__(self, ttl_s: float, clock: Callable[[], datetime], max_entries: int = 10_000):
        self.ttl = timedelta(seconds=ttl_s)
        self.clock = clock
        self._entries: TLRUCache[str, Entry] | None = None
        if ttl_s > 0:
            self._entries = memo(max_entries, clock)

    def get(self, token_hash: str) -> Principal | None:
        if self._entries is None:
            return None
        entry = self._entries.get(token_hash)
        return entry[0] if entry is not None else None

    def put(self, token_hash: str, principal: Principal, expires_at: datetime | None) -> None:
        if self._entries is None:
            return
        until = self.clock() + self.ttl
        if expires_at is not None:
            until = min(until, expires_at)
        self._entries[token_hash] = (principal, until.timestamp())
