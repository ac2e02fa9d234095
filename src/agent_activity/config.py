"""Settings, read from the environment with the prefix ``AGENT_ACTIVITY_``.

Every field is documented in the README's configuration table; keep the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./agent-activity.db"


class Settings(BaseSettings):
    """Everything the service can be told from outside."""

    model_config = SettingsConfigDict(env_prefix="AGENT_ACTIVITY_", env_file=".env", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    database_pool_size: int = Field(
        10,
        ge=1,
        description="Database connections a process keeps open on PostgreSQL, or SQLite "
        "connections that read (and as many more in a burst); SQLite's writer is always one.",
    )
    database_ping_after_idle_s: float = Field(
        10.0,
        ge=0,
        description="A pooled PostgreSQL connection unused for longer than this is pinged "
        "before reuse; one in steady use is not (db/idle_ping.py).",
    )
    database_busy_timeout_s: float = Field(
        30.0,
        ge=0,
        description="SQLite: how long a statement waits for another connection's write lock "
        "(the request log's helper, a CLI command) before its request is answered 503 with "
        "Retry-After.",
    )
    redis_url: str | None = Field(
        None, description="Optional redis:// URL for shared rate-limit counters and live updates."
    )
    host: str = Field("127.0.0.1", description="Address `serve` binds to.")
    port: int = Field(8000, ge=0, le=65535, description="Port `serve` listens on.")
    workers: int = Field(1, ge=1, description="Server processes `serve` starts.")
    demo_agents: int = Field(
        4, ge=0, le=50, description="Simulated agents `serve --demo` keeps at work (0: none)."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field("info")
    opentelemetry: bool = Field(
        False,
        description="Let FastAPI emit OpenTelemetry spans and metrics to the providers the "
        "process configures (off: no per-request telemetry work at all).",
    )
    keep_alive_s: int = Field(
        75,
        ge=1,
        description="How long `serve` keeps an idle HTTP connection open. Longer than an "
        "agent's pause between tool calls, so each call does not open a new connection.",
    )

    body_limit_bytes: int = Field(
        4 * 1024 * 1024,
        ge=1024,
        description="Largest request body a route takes (413 past it), but for ingest and OTLP.",
    )
    ingest_body_limit_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1024,
        description="Largest request body `POST /v1/orgs/{org_id}/activity` and OTLP take.",
    )
    body_timeout_s: float = Field(
        30.0, gt=0, description="Longest wait for the next part of a request body (408 past it)."
    )
    header_timeout_s: float = Field(
        10.0,
        gt=0,
        description="`serve` closes a connection whose request line and headers take longer.",
    )

    stale_after_s: float = Field(
        60.0, gt=0, description="A session with no MCP tool call for this long is stale."
    )
    session_timeout_s: float = Field(
        900.0, gt=0, description="A session silent this long is ended; its open interval closes."
    )
    active_window_s: float = Field(
        300.0, gt=0, description="`agent-sessions?active=true` lists sessions active this recently."
    )
    session_history_limit: int = Field(
        50, ge=1, le=1000, description="Completed work intervals returned in `session_history`."
    )
    checkpoint_limit: int = Field(
        100, ge=1, le=1000, description="Most recent checkpoints returned per project."
    )

    retention_days: int | None = Field(
        None,
        ge=1,
        le=36500,
        description="Days of activity log an org keeps unless it sets its own; unset: forever.",
    )
    retention_interval_s: float = Field(
        3600.0,
        ge=0,
        description="Seconds between two retention passes of the background job (0: no job).",
    )
    retention_batch_size: int = Field(
        2000, ge=1, le=50_000, description="Records one retention delete transaction removes."
    )

    rate_limit_per_minute: int = Field(
        600, ge=0, description="Requests per token per minute; 0 disables the limit."
    )

    auth_cache_s: float = Field(
        5.0,
        ge=0,
        description="How long a process remembers a token it authenticated; a revoked token "
        "stops working within this time. 0 looks every request up.",
    )

    live_session_cache_s: float = Field(
        30.0,
        ge=0,
        description="How long a process remembers an MCP session it served, so a heartbeat "
        "needs no query. With several processes, a heartbeat may show work another process "
        "started or stopped this late; the board is always current. 0 reads every call.",
    )

    request_log_enabled: bool = Field(
        True, description="Write every API request and MCP tool call to the activity log."
    )
    request_log_flush_interval_s: float = Field(
        0.5, gt=0, description="How often the request-log writer commits its buffer."
    )
    request_log_max_batch: int = Field(1000, ge=1, description="Most records in one write.")
    request_log_process: bool = Field(
        True,
        description="Store the request log from a helper process, off the server's "
        "interpreter lock; false stores it from a task in the server process. A database in "
        "memory is always written from the server process.",
    )

    otlp_max_body_bytes: int = Field(
        8 * 1024 * 1024,
        ge=1024,
        description="Largest OTLP export accepted, as sent and after decompression (413 past it).",
    )
    otlp_store_content: bool = Field(
        True,
        description="Store the content agents send in telemetry (tool inputs, commands, "
        "outputs, errors), truncated to otlp_content_max_chars; false drops it.",
    )
    otlp_store_prompts: bool = Field(
        False, description="Store prompt text when an agent sends it (its length is always kept)."
    )
    otlp_content_max_chars: int = Field(
        2000, ge=0, description="Longest piece of agent-sent content stored, in characters."
    )

    session_secret: str | None = Field(
        None,
        description="Key that signs dashboard cookies and pagination cursors. "
        "Generated and stored in the database when unset.",
    )
    cookie_secure: bool = Field(
        False, description="Mark the dashboard cookie Secure (set it behind HTTPS)."
    )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, read once per process (the CLI's entry point)."""
    return Settings()
