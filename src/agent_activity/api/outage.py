"""Whether an error means the database cannot be reached (refused, reset, restarting, no
pooled connection in time, or a SQLite file locked by another process past the busy timeout),
which is answered ``503`` with ``Retry-After`` rather than 500."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from agent_activity.domain.errors import DomainError

RETRY_AFTER_S = 2
# PostgreSQL's SQLSTATEs of a connection that failed or a server shutting down or starting up.
UNREACHABLE_STATES = ("08", "57P01", "57P02", "57P03")
UNREACHABLE_NAMES = {"CannotConnectNowError", "ConnectionDoesNotExistError", "InterfaceError"}
# SQLite's primary result codes of a lock another connection held past the busy timeout.
SQLITE_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class DatabaseUnavailable(DomainError):
    """The database did not answer; the request changed nothing and may be sent again."""

    code = "SERVICE_UNAVAILABLE"
    retry_after_s = RETRY_AFTER_S

    def __init__(self) -> None:
        super().__init__(f"The database is unreachable; retry in {RETRY_AFTER_S} s")


def database_unreachable(error: BaseException) -> bool:
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    seen: BaseException | None = error.orig if isinstance(error, DBAPIError) else error
    for _ in range(5):  # the driver's error, and what it was raised from
        if seen is None:
            return False
        state = str(getattr(seen, "sqlstate", "") or "")
        if isinstance(seen, OSError) or state.startswith(UNREACHABLE_STATES):
            return True
        if isinstance(seen, sqlite3.OperationalError) and sqlite_busy(seen):
            return True
        if type(seen).__name__ in UNREACHABLE_NAMES:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def sqlite_busy(error: sqlite3.OperationalError) -> bool:
    """SQLite's "database is locked" (or busy): the lock was held past the busy timeout."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in SQLITE_BUSY_CODES
