"""A process's short memories (principal_cache.py, live_sessions.py): entries that each carry
the moment they end, read on the app's clock so that tests can move it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from cachetools import TLRUCache

V = TypeVar("V")

# A value and when this memory of it ends (POSIX time).
Entry = tuple[V, float]


def memo(max_entries: int, clock: Callable[[], datetime]) -> TLRUCache[str, Entry[Any]]:
    return TLRUCache(max_entries, ttu=_until, timer=lambda: clock().timestamp())


def _until(_key: str, entry: Entry[Any], _now: float) -> float:
    return entry[1]
