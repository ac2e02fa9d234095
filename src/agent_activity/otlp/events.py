"""One OTLP log record as the agent mappers read it: its event name, attributes and time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

from agent_activity.otlp.items import Item, Outcome, Source, base_record, digest_id
from agent_activity.otlp.values import Attributes


@dataclass  # not frozen: a frozen dataclass's __init__ costs three times as much
class LogEvent:
    name: str  # with the agent's prefix: claude_code.tool_result, codex.tool_result, ...
    attributes: Attributes
    resource: Attributes
    at: datetime
    trace_id: str | None
    log: LogRecord
    resource_key: bytes

    @cached_property
    def digest_id(self) -> str:
        """A stable id from the record's encoded bytes, for events with no natural key; made
        only when asked (Claude Code's events have a key of their own)."""
        encoded = self.log.SerializeToString(deterministic=True)
        return digest_id("log", self.resource_key, encoded)


def event_item(
    source: Source,
    event: LogEvent,
    *,
    agent: str,
    session_id: str | None,
    external_id: str | None = None,
    join_keys: tuple[str, ...] = (),
    metadata: dict[str, Any] | None = None,
    **fields: Any,
) -> Item:
    """The activity record of ``event``: the shared fields, then the mapper's own."""
    record = base_record(
        source,
        agent=agent,
        event=event.name,
        at=event.at,
        session_id=session_id,
        trace_id=event.trace_id,
        resource=event.resource,
        attributes=event.attributes,
    )
    record.update(fields)
    record["record_metadata"].update({k: v for k, v in (metadata or {}).items() if v is not None})
    external = external_id or event.digest_id
    return Item(external, record, tuple(key for key in join_keys if key))


def generic_item(source: Source, event: LogEvent, common: dict[str, Any]) -> Outcome:
    """An event this mapper does not know: kept, by name, so nothing an agent sends is lost."""
    return event_item(
        source,
        event,
        **common,
        action="telemetry_event",
        resource_type="event",
        resource_id=event.name[:128],
    )
