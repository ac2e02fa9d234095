"""An ``ExportLogsServiceRequest`` as activity records: each log record goes to the mapper of
the agent that sent it, found by its event name's prefix."""

from __future__ import annotations

from collections.abc import Callable

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

from agent_activity.otlp import claude_code, codex, gemini
from agent_activity.otlp.events import LogEvent
from agent_activity.otlp.items import DROPPED, Batch, Outcome, Source, too_far_ahead
from agent_activity.otlp.projects import ResourceScope
from agent_activity.otlp.values import Attributes, attributes_of, parse_time, time_of

Mapper = Callable[[Source, LogEvent], Outcome]
MAPPERS: dict[str, Mapper] = {
    "claude_code.": claude_code.map_event,
    "codex.": codex.map_event,
    "gemini_cli.": gemini.map_event,
}


async def map_logs(request: ExportLogsServiceRequest, scope: ResourceScope) -> Batch:
    batch = Batch()
    for resource_logs in request.resource_logs:
        resource = attributes_of(resource_logs.resource.attributes)
        source = await scope.source_for(resource)
        key = resource_key(resource)
        for scope_logs in resource_logs.scope_logs:
            for log in scope_logs.log_records:
                if isinstance(source, str):
                    batch.add(scope.refusal(source))
                    continue
                batch.add(map_record(source, resource, key, log))
    return batch


def map_record(source: Source, resource: Attributes, key: bytes, log: LogRecord) -> Outcome:
    attributes = attributes_of(log.attributes)
    name = event_name(resource, log, attributes)
    # Each prefix is the name's first dotted part: one lookup instead of a scan of prefixes.
    mapper = MAPPERS.get(name[: name.find(".") + 1])
    if mapper is None:
        return DROPPED  # a plain log line, or an event of no agent we know
    at = (
        time_of(log.time_unix_nano)
        or parse_time(attributes.get("event.timestamp"))
        or time_of(log.observed_time_unix_nano)
        or source.received_at
    )
    refusal = too_far_ahead(source, at)
    if refusal is not None:
        return refusal
    event = LogEvent(
        name=name,
        attributes=attributes,
        resource=resource,
        at=at,
        trace_id=log.trace_id.hex() or None,
        log=log,
        resource_key=key,
    )
    return mapper(source, event)


def event_name(resource: Attributes, log: LogRecord, attributes: Attributes) -> str:
    """The event's name with its agent's prefix. Claude Code puts the full name in the body and
    a bare one in ``event.name``; Codex and Gemini CLI the full name in ``event.name``."""
    body = log.body.string_value  # "" when the body holds another kind of value
    name = str(attributes.get("event.name") or log.event_name or "")
    if body.startswith("claude_code."):
        return body
    if name and "." not in name and resource.get("service.name") == "claude-code":
        return f"claude_code.{name}"
    return name


def resource_key(resource: Attributes) -> bytes:
    return repr(sorted((k, repr(v)) for k, v in resource.items())).encode()
