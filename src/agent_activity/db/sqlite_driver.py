"""SQLite through aiosqlite with one thread hop per statement instead of four.

aiosqlite runs each sqlite3 call on the connection's own thread, and SQLAlchemy's adapter makes
one such call per step of a statement: open a cursor, execute, fetch the rows, close the cursor.
Each call is a round trip through a queue, a thread wake-up and the event loop's self-pipe,
which costs 150-350 µs here against 5-10 µs for SQLite to answer an indexed read; most of a
short request's time went to those hops. This cursor sends the four steps as one function, so
a statement is one round trip, and keeps its description, rows and counts for SQLAlchemy to
read afterwards. The thread stays: a long query or a wait for another process's write lock
still runs off the event loop.

Plugged in with ``create_async_engine(..., module=one_hop_dbapi())``; URLs stay
``sqlite+aiosqlite://``. Server-side cursors (``stream()``) keep aiosqlite's own cursor, whose
fetches are meant to be separate calls.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

Description = Sequence[tuple[Any, ...]] | None
Outcome = tuple[Description, list[Any], int, int | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """On the connection's thread: the whole statement, from cursor to close."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        # Read after the rows: for INSERT/UPDATE ... RETURNING sqlite3 counts as it steps.
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _run_all(
    connection: sqlite3.Connection, statements: Sequence[tuple[str, Any]]
) -> list[tuple[Description, list[Any]]]:
    """On the connection's thread: several selects, each with its description and rows."""
    outcomes = []
    for operation, parameters in statements:
        description, rows, _, _ = _run(connection, operation, parameters, many=False)
        outcomes.append((description, rows))
    return outcomes


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose every execute is a single call on the connection's thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No cursor is opened here (that was a round trip of its own): _run opens one.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Description = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    def _call(self, operation: Any, parameters: Any, many: bool) -> None:
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            outcome: Outcome = await_(
                driver._execute(_run, driver._conn, operation, parameters, many)  # type: ignore[no-untyped-call]
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._call(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._call(operation, seq_of_parameters, many=True)

    async def _async_soft_close(self) -> None:
        return None  # the sqlite3 cursor closed within its statement

    def close(self) -> None:
        self._rows.clear()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = OneHopCursor  # type: ignore[assignment]

    # A request that only read has no transaction open (sqlite3 begins one before a write, not
    # before a SELECT), yet the session commits it and the pool rolls it back when it is
    # returned: two more round trips to the thread, each a turn of the event loop, for
    # nothing. sqlite3 itself does nothing then; here the hop is skipped too. The flag is read
    # off the connection's thread only between statements, when nothing runs on it.
    def commit(self) -> None:
        if self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    async def run_all(
        self, statements: Sequence[tuple[str, Any]]
    ) -> list[tuple[Description, list[Any]]]:
        """Several selects in one trip to the connection's thread (db/driver_select.py)."""
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            outcomes: list[tuple[Description, list[Any]]] = await driver._execute(  # type: ignore[no-untyped-call]
                _run_all, driver._conn, statements
            )
        except Exception as error:
            self._handle_exception(error)
        return outcomes

    def _in_transaction(self) -> bool:
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        raw = driver._connection
        return raw is not None and raw.in_transaction


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite's DBAPI adapter, handing out connections whose cursors take one hop."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's own adapter does
        return OneHopConnection(self, await_(connection))


def one_hop_dbapi() -> OneHopDBAPI:
    return OneHopDBAPI(aiosqlite, sqlite3)
