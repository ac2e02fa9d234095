"""The legacy session handshake in front of the stateless SDK: ``initialize`` is answered with a
signed ``Mcp-Session-Id`` bound to the caller's token; every later request must bring one its
own token opened (else ``404 Session not found``, as the SDK answers an unknown session);
``DELETE`` ends the session on the board. GET, the stream a server would use to call its
clients, is ``405``: no tool here ever calls back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Send

from agent_activity.domain.activity.cursor import load_secret
from agent_activity.domain.presence.ending import end_session
from agent_activity.domain.tenancy.principal import Principal
from agent_activity.mcp.identity import LEGACY_STATE_KEY, SESSION_HEADER
from agent_activity.mcp.sessions import LegacySession, SessionIds
from agent_activity.runtime import Runtime

PROTOCOL_HEADER = "mcp-protocol-version"


def is_legacy(request: Request) -> bool:
    """A request of the handshake era (or one that names no version, as ``initialize`` does)."""
    version = request.headers.get(PROTOCOL_HEADER)
    return version is None or version in HANDSHAKE_PROTOCOL_VERSIONS


def rpc_error(message: str, status: int) -> Response:
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": message}}
    return JSONResponse(body, status_code=status)


def client_of_initialize(body: bytes) -> tuple[str | None, str | None] | None:
    """The client's name and version if ``body`` is an ``initialize`` request, else None."""
    try:
        message: Any = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(message, dict) or message.get("method") != "initialize":
        return None
    params = message.get("params")
    info = params.get("clientInfo") if isinstance(params, dict) else None
    if not isinstance(info, dict):
        return None, None
    name, version = info.get("name"), info.get("version")
    return (name if isinstance(name, str) else None, version if isinstance(version, str) else None)


@dataclass(frozen=True)
class Bound:
    answered: bool  # the request was answered here (refused, or a DELETE)
    send: Send


class LegacySessions:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.ids: SessionIds | None = None

    async def session_ids(self) -> SessionIds:
        if self.ids is None:
            secret = self.runtime.settings.session_secret
            if not secret:
                async with self.runtime.sessionmaker() as db, db.begin():
                    secret = await load_secret(db)
            self.ids = SessionIds(secret)
        return self.ids

    async def bind(self, request: Request, principal: Principal, body: bytes, send: Send) -> Bound:
        scope, receive = request.scope, request.receive
        header = request.headers.get(SESSION_HEADER, "").strip()
        if request.method == "GET":
            await rpc_error("This server opens no stream of its own", 405)(scope, receive, send)
            return Bound(True, send)
        if header:
            ids = await self.session_ids()
            session = ids.read(header, principal.token_id)
            if session is None:
                await rpc_error("Session not found", 404)(scope, receive, send)
                return Bound(True, send)
            if request.method == "DELETE":
                await self.end(principal, session)
                await Response(status_code=200)(scope, receive, send)
                return Bound(True, send)
            scope.setdefault("state", {})[LEGACY_STATE_KEY] = session
            return Bound(False, send)
        client = client_of_initialize(body) if request.method == "POST" else None
        if client is None:
            return Bound(False, send)
        ids = await self.session_ids()
        session = ids.mint(principal.token_id, *client)
        return Bound(False, with_session_header(send, ids.encode(session)))

    async def end(self, principal: Principal, session: LegacySession) -> None:
        async with self.runtime.sessionmaker() as db:
            await end_session(db, principal, session.key, self.runtime.now())
            await db.commit()


def with_session_header(send: Send, session_id: str) -> Send:
    """``send`` that adds the new session's id to a successful answer to ``initialize``."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] < 400:
            headers = [*message.get("headers", []), (SESSION_HEADER.encode(), session_id.encode())]
            message = {**message, "headers": headers}
        await send(message)

    return sending
