"""The id of a record that comes with the client's own id (``external_id``).

Such a record's id is derived, not drawn: UUIDv7-shaped, its first 48 bits the record's
``timestamp`` in milliseconds since 1970 (so ids stay time-ordered and a batch's index entries
land at the end of the primary key), its other 74 free bits a BLAKE2b hash of the client's id
keyed by the org. A retried record therefore gets the same id, and the primary key
``(id, timestamp)`` stores it once (docs/storage.md, "Record ids and retries"). A record the
service makes itself (request log, MCP, runs, presence) gets a fresh UUIDv7 instead and is
retried by that id.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

_MS_BITS = 48
_MAX_MS = (1 << _MS_BITS) - 1
_VERSION = 0x7 << 76  # bits 48..51 of the 128, counted from the most significant
_VARIANT = 0b10 << 62  # RFC 9562's variant, bits 64..65
_RAND_A = 12  # free bits after the version
_RAND_B = 62  # free bits after the variant


def record_id(org_id: uuid.UUID, external_id: str, timestamp: datetime) -> uuid.UUID:
    """The id of the record ``external_id`` of ``org_id`` at ``timestamp`` (timezone-aware).
    Times before 1970 take 0 as their prefix and times past the year 10889 the largest one; the
    primary key holds the timestamp too, so those records stay distinct."""
    ms = min(max(int(timestamp.timestamp() * 1000), 0), _MAX_MS)
    digest = hashlib.blake2b(
        external_id.encode(), digest_size=10, key=org_id.bytes, person=b"aa-record-id"
    ).digest()
    hashed = int.from_bytes(digest) >> (80 - _RAND_A - _RAND_B)
    rand_a = hashed >> _RAND_B
    rand_b = hashed & ((1 << _RAND_B) - 1)
    return uuid.UUID(int=(ms << 80) | _VERSION | (rand_a << 64) | _VARIANT | rand_b)
