"""Fewer C allocator arenas in the server, so its memory levels off on SQLite.

glibc gives each thread that allocates its own arena (up to eight per core), and aiosqlite runs
every SQLite connection in a thread of its own: blocks allocated on a connection's thread and
freed on the event loop's leave fragments in arenas that are never handed back, and the
server's resident memory crept up under a steady MCP load while nothing it held grew (a soak
with one arena levelled off: docs/faults.md, "Memory"). The limit is glibc's own
``MALLOC_ARENA_MAX``: an operator who set it keeps their value; otherwise this process is
limited with ``mallopt`` (it has not started its threads yet) and the variable is set for the
worker and helper processes it starts, where glibc reads it at their start.
"""

from __future__ import annotations

import ctypes
import os
import sys

ENV = "MALLOC_ARENA_MAX"
ARENAS = 1
M_ARENA_MAX = -8  # glibc's mallopt parameter number for the arena limit


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Whether the limit was applied here (False off Linux, off glibc, or when the operator
    chose a value)."""
    if sys.platform != "linux" or ENV in os.environ:
        return False
    os.environ[ENV] = str(arenas)
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process already runs on
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))
