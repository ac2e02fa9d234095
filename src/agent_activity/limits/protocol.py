"""uvicorn's HTTP protocol with a timeout on a request's head: a connection whose request line
and headers are not complete that long after it opened (or after the request began) is closed.

uvicorn has a keep-alive timeout between requests but none while a request's head arrives, so a
client sending its headers slowly, or never, held a connection and its buffers for as long as it
liked. The timeout is the ``AGENT_ACTIVITY_HEADER_TIMEOUT_S`` setting, read in each worker.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from agent_activity.config import get_settings


class HeadTimeoutProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_timeout_s = get_settings().header_timeout_s
        self.head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.start_head_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.start_head_timer()

    def on_headers_complete(self) -> None:
        self.stop_head_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_head_timer()
        super().connection_lost(exc)

    def start_head_timer(self) -> None:
        if self.head_timer is None:
            self.head_timer = self.loop.call_later(self.head_timeout_s, self.head_timed_out)

    def stop_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def head_timed_out(self) -> None:
        self.head_timer = None
        self.transport.close()
