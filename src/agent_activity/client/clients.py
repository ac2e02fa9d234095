"""``Client`` and ``AsyncClient``: one authenticated HTTP connection, with one sub-object per
resource (``agents``, ``runs``; projects, presence, the activity log and tickets are meant to
join them the same way), plus ``request`` for any endpoint not wrapped yet."""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any, Self

import httpx

from agent_activity.client._http import AsyncHttp, Call, SyncHttp, read
from agent_activity.client.agents import Agents, AsyncAgents
from agent_activity.client.aio_runs import AsyncRuns
from agent_activity.client.runs import Runs

DEFAULT_URL = "http://127.0.0.1:8000"


def _settings(
    base_url: str | None, token: str | None, headers: dict[str, str] | None
) -> tuple[str, dict[str, str]]:
    url = base_url or os.environ.get("AGENT_ACTIVITY_URL") or DEFAULT_URL
    secret = token or os.environ.get("AGENT_ACTIVITY_TOKEN")
    sent = {"User-Agent": "agent-activity-client", **(headers or {})}
    if secret:
        sent["Authorization"] = f"Bearer {secret}"
    return url.rstrip("/"), sent


class Client:
    """Synchronous client. ``base_url`` and ``token`` default to the AGENT_ACTIVITY_URL and
    AGENT_ACTIVITY_TOKEN environment variables."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        url, sent = _settings(base_url, token, headers)
        self.http = httpx.Client(base_url=url, headers=sent, timeout=timeout, transport=transport)
        sender = SyncHttp(self.http)
        self.agents = Agents(sender)
        self.runs = Runs(sender)
        self._sender = sender

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Any endpoint: the decoded JSON body, or a typed ApiError."""
        return read(self._sender.send(Call(method, path, **kwargs)))

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient:
    """Asynchronous client, the same resources with awaitable methods."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        headers: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        url, sent = _settings(base_url, token, headers)
        self.http = httpx.AsyncClient(
            base_url=url, headers=sent, timeout=timeout, transport=transport
        )
        sender = AsyncHttp(self.http)
        self.agents = AsyncAgents(sender)
        self.runs = AsyncRuns(sender)
        self._sender = sender

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        return read(await self._sender.send(Call(method, path, **kwargs)))

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
