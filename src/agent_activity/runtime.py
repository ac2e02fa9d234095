"""What one app instance owns: settings, engine, session factory, clock, rate limiter.

Built by create_app and kept on app.state, never at module level, so a test can build one app
per database and inject a clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agent_activity.config import Settings
from agent_activity.db.base import utcnow
from agent_activity.db.engine import Engines, create_read_sessionmaker, create_sessionmaker
from agent_activity.domain.presence.live import LiveSessions
from agent_activity.domain.presence.progress import ProgressWriter, progress_writer
from agent_activity.domain.presence.touches import TouchWriter, touch_writer
from agent_activity.domain.telemetry.joins import JoinWriter, join_writer
from agent_activity.domain.tenancy.access import ProjectRefs
from agent_activity.domain.tenancy.principal_cache import PrincipalCache
from agent_activity.domain.tenancy.ratelimit import (
    BatchedCounter,
    Counter,
    DatabaseCounter,
    RateLimiter,
    RedisCounter,
)
from agent_activity.domain.tickets.cards import TicketKeys
from agent_activity.request_log.writer import RequestLogWriter, request_log_writer

Clock = Callable[[], datetime]


@dataclass
class Runtime:
    settings: Settings
    # The writer engine (on SQLite a pool of one connection) and the reader; see db.engine.
    engines: Engines
    # Sessions that may write, on the writer engine.
    sessionmaker: async_sessionmaker[AsyncSession]
    rate_limiter: RateLimiter
    # The request log's batching writer; started and stopped with the app's lifespan.
    request_log: RequestLogWriter
    # Read-only MCP calls' session touches, written behind; see domain.presence_touches.
    touches: TouchWriter
    # Progress reports on live sessions, stored by group commit; see domain.presence_writes.
    progress: ProgressWriter
    # Telemetry ids MCP tool calls carried, joining their sessions; see domain.telemetry.joins.
    telemetry_joins: JoinWriter
    # Sessions that only read, on the reader engine; see db.engine.create_read_sessionmaker.
    read_sessionmaker: async_sessionmaker[AsyncSession]
    # Projects looked up recently (access checks without a query); see domain.access.
    projects: ProjectRefs = field(default_factory=ProjectRefs)
    # Which ticket a number or id names (never changes); see domain.tickets.
    tickets: TicketKeys = field(default_factory=TicketKeys)
    # Tokens authenticated recently; see domain.principal_cache.
    principals: PrincipalCache = field(default_factory=lambda: PrincipalCache(0, utcnow))
    # MCP sessions this process served lately; see domain.live_sessions.
    live_sessions: LiveSessions = field(default_factory=lambda: LiveSessions(0, 900, utcnow))
    clock: Clock = utcnow
    # Hooks run at shutdown in reverse order (flush writers, close clients).
    closers: list[Callable[[], object]] = field(default_factory=list)

    @property
    def engine(self) -> AsyncEngine:
        """The writer engine (migrations, health checks, tests that inspect the database)."""
        return self.engines.writer

    def now(self) -> datetime:
        return self.clock()


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    engines = Engines.of(settings)
    sessionmaker = create_sessionmaker(engines.writer)
    counter: Counter
    if settings.redis_url:
        counter = RedisCounter(settings.redis_url)
    else:
        counter = BatchedCounter(DatabaseCounter(sessionmaker))
    request_log = request_log_writer(settings, sessionmaker)
    runtime = Runtime(
        settings=settings,
        engines=engines,
        sessionmaker=sessionmaker,
        rate_limiter=RateLimiter(counter, settings.rate_limit_per_minute),
        request_log=request_log,
        touches=touch_writer(sessionmaker),
        progress=progress_writer(sessionmaker),
        telemetry_joins=join_writer(sessionmaker),
        clock=clock or utcnow,
        principals=PrincipalCache(settings.auth_cache_s, clock or utcnow),
        live_sessions=LiveSessions(
            settings.live_session_cache_s, settings.session_timeout_s, clock or utcnow
        ),
        read_sessionmaker=create_read_sessionmaker(engines.reader),
    )
    # Registered first, so it runs last: after every other closer, before the engine closes.
    runtime.closers.append(request_log.stop)
    runtime.closers.append(runtime.touches.stop)
    runtime.closers.append(runtime.progress.stop)
    runtime.closers.append(runtime.telemetry_joins.stop)
    if isinstance(counter, RedisCounter):
        runtime.closers.append(counter.close)  # its connection pool's sockets
    return runtime
