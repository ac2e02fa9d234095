"""A telemetry fact ready to store: an activity record, its stable key and its join ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class TelemetryRecord:
    external_id: str
    # ActivityRecord attributes; org_id and external_id are filled when it is stored.
    record: dict[str, Any]
    # Telemetry ids an MCP tool call may have carried in ``_meta`` (see joins.py).
    join_keys: tuple[str, ...] = ()
