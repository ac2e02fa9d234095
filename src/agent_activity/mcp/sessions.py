"""Legacy MCP session ids that every server process can check: bound to a token at birth.

A legacy client (protocol 2025-11-25 and before) opens a session with ``initialize`` and sends
its ``Mcp-Session-Id`` from then on. The SDK kept those sessions in one process's memory, so
behind any balancer (``serve --workers 2`` is one) a request that reached another process was
``404 Session not found``. Here the SDK serves every request statelessly and the session id
carries what the session needs: a random key, the token that opened it and the client's name and
version, signed with the service's shared secret. Any process can read it; one that is forged,
altered, or sent with another token is answered exactly like an unknown session (404).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass

PREFIX = "s1"


@dataclass(frozen=True)
class LegacySession:
    key: str  # the presence session's key
    token_id: uuid.UUID
    client_name: str | None
    client_version: str | None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionIds:
    def __init__(self, secret: str) -> None:
        # A key of its own, so a session id can never pass for a cursor or a cookie.
        self.key = hmac.new(secret.encode(), b"mcp-session-id", hashlib.sha256).digest()

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self.key, payload.encode(), hashlib.sha256).digest()[:18])

    def mint(self, token_id: uuid.UUID, name: str | None, version: str | None) -> LegacySession:
        key = secrets.token_hex(16)
        return LegacySession(
            key, token_id, name[:128] if name else None, (version or "")[:64] or None
        )

    def encode(self, session: LegacySession) -> str:
        fields = [session.key, session.token_id.hex, session.client_name, session.client_version]
        payload = f"{PREFIX}.{_b64(json.dumps(fields).encode())}"
        return f"{payload}.{self._mac(payload)}"

    def read(self, value: str, token_id: uuid.UUID) -> LegacySession | None:
        """The session ``value`` names if it is genuine and ``token_id`` opened it, else None."""
        payload, _, mac = value.rpartition(".")
        if not payload.startswith(PREFIX + ".") or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            key, token_hex, name, version = json.loads(_unb64(payload.split(".", 1)[1]))
            session = LegacySession(str(key), uuid.UUID(hex=token_hex), name, version)
        except (ValueError, TypeError):
            return None
        return session if session.token_id == token_id else None
