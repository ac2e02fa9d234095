"""Agent telemetry as Claude Code and Codex export it over OTLP/HTTP: their log events, in the
shape of the captured exports (/work/shared/fixtures/otlp), as OTLP/JSON.

The demo sends these through the receiver's own mappers (``mapped``), and the live demo's
agents POST them to ``/otlp/v1/logs``, so every tool call and model request on the board got
there the way a real agent's would: mapped, attributed to the ticket of the work interval open
at its time, and counted by the ticket rollups.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from agent_activity.domain.telemetry.records import TelemetryRecord
from agent_activity.domain.tickets.prices import priced_cost
from agent_activity.otlp.items import Source
from agent_activity.otlp.logs import map_record, resource_key
from agent_activity.otlp.values import attributes_of

CLAUDE_CODE, CODEX = "claude_code", "codex"
MODELS = {
    CLAUDE_CODE: ("claude-sonnet-4-5", "claude-sonnet-4-5", "claude-opus-4-5", "claude-haiku-4-5"),
    CODEX: ("gpt-5.1-codex", "gpt-5.1-codex", "gpt-5-mini"),
}
TOOLS = {
    CLAUDE_CODE: ("Bash", "Bash", "Read", "Read", "Edit", "Write", "Grep", "Glob"),
    CODEX: ("exec_command", "exec_command", "apply_patch", "read_file"),
}
RESOURCES = {
    CLAUDE_CODE: {"service.name": "claude-code", "service.version": "2.1.328", "os.type": "linux"},
    CODEX: {"service.name": "codex_exec", "service.version": "0.169.0", "host.name": "dev-laptop"},
}
SCOPES = {CLAUDE_CODE: "com.anthropic.claude_code.events", CODEX: "codex_otel.log_only"}
FAILED_TOOL_SHARE = 0.1
MODEL_REQUEST_SHARE = 0.45
MCP_SERVER = "agent-activity"


def agent_of_origin(origin: str) -> str:
    """The telemetry an MCP client's origin exports (Cursor's is shown as Claude Code's)."""
    return CODEX if origin == "codex" else CLAUDE_CODE


@dataclass
class AgentTelemetry:
    """One agent process's telemetry session: Claude Code's ``session.id`` or Codex's
    ``conversation.id``, with Claude Code's per-session event counter."""

    agent: str
    session_id: str
    model: str
    sequence: int = 0

    @classmethod
    def new(cls, agent: str, rng: random.Random) -> AgentTelemetry:
        return cls(
            agent, str(uuid.UUID(int=rng.getrandbits(128), version=4)), rng.choice(MODELS[agent])
        )


def _attribute(key: str, value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": str(value)}}


def _nanos(at: datetime) -> str:
    return str(int(at.timestamp() * 1_000_000) * 1000)


def event(
    telemetry: AgentTelemetry, name: str, at: datetime, **attributes: object
) -> dict[str, Any]:
    """One log record as the agent writes it: Claude Code names the event in the body and
    counts it; Codex names it in ``event.name`` and leaves ``timeUnixNano`` at 0."""
    stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if telemetry.agent == CLAUDE_CODE:
        telemetry.sequence += 1
        head = {
            "session.id": telemetry.session_id,
            "event.name": name,
            "event.timestamp": stamp,
            "event.sequence": telemetry.sequence,
        }
        record: dict[str, Any] = {
            "timeUnixNano": _nanos(at),
            "observedTimeUnixNano": _nanos(at),
            "body": {"stringValue": f"claude_code.{name}"},
        }
    else:
        head = {
            "event.name": f"codex.{name}",
            "event.timestamp": stamp,
            "conversation.id": telemetry.session_id,
            "model": telemetry.model,
        }
        record = {"timeUnixNano": "0", "observedTimeUnixNano": _nanos(at)}
    pairs = {**head, **{k: v for k, v in attributes.items() if v is not None}}
    record["attributes"] = [_attribute(key, value) for key, value in pairs.items()]
    return record


def tool_call(
    telemetry: AgentTelemetry,
    rng: random.Random,
    at: datetime,
    *,
    mcp_tool: str | None = None,
    call_id: str | None = None,
) -> dict[str, Any]:
    """A finished tool call; one in ten local ones fails. ``call_id`` is the id an MCP call
    carried in its ``_meta``, which joins the telemetry session to the MCP session."""
    failed = mcp_tool is None and rng.random() < FAILED_TOOL_SHARE
    duration = f"{rng.lognormvariate(5.0, 1.1):.0f}"
    call = call_id or f"toolu_{rng.getrandbits(80):020x}"
    if telemetry.agent == CLAUDE_CODE:
        parameters = (
            f'{{"mcp_server_name":"{MCP_SERVER}","mcp_tool_name":"{mcp_tool}"}}'
            if mcp_tool
            else None
        )
        return event(
            telemetry,
            "tool_result",
            at,
            tool_name="mcp_tool" if mcp_tool else rng.choice(TOOLS[CLAUDE_CODE]),
            tool_use_id=call,
            success="false" if failed else "true",
            duration_ms=duration,
            tool_parameters=parameters,
            error_type="ShellError" if failed else None,
        )
    # Codex reports a failing command as a success; its exit code is only in the output.
    return event(
        telemetry,
        "tool_result",
        at,
        tool_name=mcp_tool or rng.choice(TOOLS[CODEX]),
        mcp_server=MCP_SERVER if mcp_tool else None,
        call_id=call,
        duration_ms=duration,
        success="true",
        output=f"Exit code: {1 if failed else 0}\nWall time: {float(duration) / 1000:.3f} seconds",
    )


def model_request(telemetry: AgentTelemetry, rng: random.Random, at: datetime) -> dict[str, Any]:
    """One model response with its tokens; Claude Code also reports its cost (at list price)."""
    fresh, output = rng.randint(200, 6000), rng.randint(40, 2500)
    cached, written = rng.randint(0, 40_000), rng.randint(0, 3000)
    if telemetry.agent == CLAUDE_CODE:
        return event(
            telemetry,
            "api_request",
            at,
            model=telemetry.model,
            input_tokens=fresh,
            output_tokens=output,
            cache_read_tokens=cached,
            cache_creation_tokens=written,
            cost_usd=round(priced_cost(telemetry.model, fresh, output, cached, written), 6),
            duration_ms=f"{rng.lognormvariate(7.5, 0.6):.0f}",
        )
    # OpenAI counts cached input inside the input; Codex reports no cost.
    return event(
        telemetry,
        "sse_event",
        at,
        **{
            "event.kind": "response.completed",
            "input_token_count": fresh + cached,
            "output_token_count": output,
            "cached_token_count": cached,
        },
    )


def work(
    telemetry: AgentTelemetry, rng: random.Random, start: datetime, end: datetime, count: int
) -> list[dict[str, Any]]:
    """``count`` tool calls and model requests at random times in [start, end), in order."""
    span = (end - start).total_seconds()
    moments = sorted(rng.random() * span for _ in range(count))
    events = []
    for offset in moments:
        at = start + (end - start) * (offset / span if span else 0)
        if rng.random() < MODEL_REQUEST_SHARE:
            events.append(model_request(telemetry, rng, at))
        else:
            events.append(tool_call(telemetry, rng, at))
    return events


def export(telemetry: AgentTelemetry, events: list[dict[str, Any]]) -> dict[str, Any]:
    """An ``ExportLogsServiceRequest`` in OTLP/JSON, as the agent's exporter posts it."""
    resource = [_attribute(k, v) for k, v in RESOURCES[telemetry.agent].items()]
    scope = {"scope": {"name": SCOPES[telemetry.agent]}, "logRecords": events}
    return {"resourceLogs": [{"resource": {"attributes": resource}, "scopeLogs": [scope]}]}


def _set(target: Any, attribute: dict[str, Any]) -> None:
    """One OTLP/JSON attribute into a protobuf ``KeyValue`` list, for the shapes made here."""
    pair = target.add()
    pair.key = attribute["key"]
    value = attribute["value"]
    if "stringValue" in value:
        pair.value.string_value = value["stringValue"]
    elif "intValue" in value:
        pair.value.int_value = int(value["intValue"])
    elif "doubleValue" in value:
        pair.value.double_value = value["doubleValue"]
    else:
        pair.value.bool_value = value["boolValue"]


def log_record(record: dict[str, Any]) -> LogRecord:
    """A log record of this module as the protobuf the receiver decodes; what
    ``json_format.ParseDict`` makes of it, built directly because the bench makes millions."""
    log = LogRecord(
        time_unix_nano=int(record["timeUnixNano"]),
        observed_time_unix_nano=int(record.get("observedTimeUnixNano", 0)),
    )
    if "body" in record:
        log.body.string_value = record["body"]["stringValue"]
    for attribute in record["attributes"]:
        _set(log.attributes, attribute)
    return log


def mapped(source: Source, body: dict[str, Any]) -> list[TelemetryRecord]:
    """The records the receiver's own mappers make of an export of this module (what it
    would store)."""
    items = []
    for resource_logs in body["resourceLogs"]:
        resource_message = Resource()
        for attribute in resource_logs["resource"]["attributes"]:
            _set(resource_message.attributes, attribute)
        resource = attributes_of(resource_message.attributes)
        key = resource_key(resource)
        for scope_logs in resource_logs["scopeLogs"]:
            for record in scope_logs["logRecords"]:
                outcome = map_record(source, resource, key, log_record(record))
                if isinstance(outcome, TelemetryRecord):
                    items.append(outcome)
    return items
