"""Pagination cursors: opaque, tamper-evident, and bound to the query that issued them.

A cursor is 48 bytes in URL-safe base64: a version byte, the last record's timestamp (in
microseconds since the epoch) and id, the fingerprint of the query's filters, and the first 16
bytes of an HMAC-SHA256 over all of that. The key is ``settings.session_secret`` when set, else a
key generated once into the database (``service_secrets``) and shared by every process; either
way it is stretched through HMAC with this module's purpose so it differs from the cookie key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.domain.activity.query import Position
from agent_activity.domain.errors import FieldIssue, Invalid
from agent_activity.domain.tenancy.directory import service_secret

SECRET_NAME = "activity_cursor"
VERSION = 1
LAYOUT = struct.Struct(">Bq16s8s")  # version, microseconds, id, query fingerprint
MAC_BYTES = 16
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LOC = ("query", "cursor")


async def load_secret(session: AsyncSession) -> str:
    """The shared cursor key: whichever process asks first generates it."""
    return await service_secret(session, SECRET_NAME)


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self.key = hmac.new(secret.encode(), b"agent-activity.cursor.v1", hashlib.sha256).digest()

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self.key, body, hashlib.sha256).digest()[:MAC_BYTES]

    def encode(self, position: Position, fingerprint: bytes) -> str:
        micros = (position.timestamp - EPOCH) // timedelta(microseconds=1)
        body = LAYOUT.pack(VERSION, micros, position.id.bytes, fingerprint)
        return base64.urlsafe_b64encode(body + self._mac(body)).decode().rstrip("=")

    def decode(self, cursor: str, fingerprint: bytes) -> Position:
        """The position in ``cursor``; Invalid (422) if altered, foreign or for other filters."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raw = b""
        body, mac = raw[: LAYOUT.size], raw[LAYOUT.size :]
        if len(raw) != LAYOUT.size + MAC_BYTES or not hmac.compare_digest(mac, self._mac(body)):
            raise _invalid(cursor, "Cursor is not valid: it was altered or not issued by this API")
        version, micros, id_bytes, issued_for = LAYOUT.unpack(body)
        if version != VERSION:
            raise _invalid(cursor, "Cursor is from an older version; start again without it")
        if not hmac.compare_digest(issued_for, fingerprint):
            raise _invalid(
                cursor,
                "Cursor belongs to a query with other filters; repeat the query that "
                "returned it, or start again without a cursor",
            )
        return Position(EPOCH + timedelta(microseconds=micros), uuid.UUID(bytes=id_bytes))


def _invalid(cursor: str, message: str) -> Invalid:
    return Invalid(message, [FieldIssue(LOC, message, "value_error", cursor[:200], {})])
