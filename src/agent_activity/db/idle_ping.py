"""Ping a pooled PostgreSQL connection before reuse only when it has been idle for a while.

SQLAlchemy's ``pool_pre_ping`` pings at every checkout, and its asyncpg ping is three round
trips (BEGIN, an empty query, ROLLBACK): under load, more trips than a feed page's own reads.
Connections are lost mostly while they sit unused (a server restart, a proxy or firewall
closing idle connections), so only a connection returned more than ``idle_s`` ago is pinged.
One in steady use is not: if the server goes away under load, the request that meets the dead
connection fails, SQLAlchemy sees the disconnect and discards every pooled connection, and the
next requests connect afresh.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

RETURNED_AT = "agent_activity.returned_at"


def ping_after_idle(engine: AsyncEngine, idle_s: float) -> None:
    """Ping connections of ``engine`` at checkout when unused for more than ``idle_s``."""
    dialect = engine.dialect

    def returned(_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        record.info[RETURNED_AT] = time.monotonic()

    def checked_out(connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.get(RETURNED_AT)
        if since is None or time.monotonic() - since <= idle_s:
            return  # new (just connected) or in steady use
        try:
            alive = dialect.do_ping(connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, connection, None):
                raise
            alive = False
        if not alive:
            # The pool replaces this connection and discards the others returned before now:
            # whatever closed one idle connection has most likely closed them all.
            raise exc.InvalidatePoolError("connection lost while idle")

    event.listen(engine.sync_engine, "checkin", returned)
    event.listen(engine.sync_engine, "checkout", checked_out)
