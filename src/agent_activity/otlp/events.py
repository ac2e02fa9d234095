"""One OTLP log record as the agent mappers read it: its event name, attributes and time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent_activity.otlp.items import Item, Outcome, Source, base_record
from agent_activity.otlp.values import Attributes


@dataclass(frozen=True)
class LogEvent:
    name: str  # with the agent's prefix: claude_code.tool_result, codex.tool_result, ...
    attributes: Attributes
    resource: Attributes
    at: datetime
    trace_id: str | None
    # A stable id from the record's encoded bytes, for events with no natural key.
    digest_id: str


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
