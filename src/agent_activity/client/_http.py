"""The one place requests are sent: a call description, and its sync and async senders.

Resources describe a call (method, path, query, body, headers) once; the sync and async
clients only differ in how they send it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from agent_activity.client.errors import error_from_response


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def read(response: httpx.Response) -> Any:
    """The body of a success, or the typed error of a failure."""
    if not response.is_success:
        raise error_from_response(response)
    return response.json() if response.content else None


def data_of(body: Any) -> Any:
    """File 003's success envelope ``{status, status_code, data}`` holds the payload in data."""
    return body["data"] if isinstance(body, dict) and "data" in body else body


class SyncHttp:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def send(self, call: Call) -> httpx.Response:
        response = self.http.request(
            call.method,
            call.path,
            params=call.params or None,
            json=call.json,
            headers=call.headers or None,
        )
        read(response)
        return response

    def data(self, call: Call) -> Any:
        return data_of(read(self.send(call)))


class AsyncHttp:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def send(self, call: Call) -> httpx.Response:
        response = await self.http.request(
            call.method,
            call.path,
            params=call.params or None,
            json=call.json,
            headers=call.headers or None,
        )
        read(response)
        return response

    async def data(self, call: Call) -> Any:
        return data_of(read(await self.send(call)))
