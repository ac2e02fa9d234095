"""Claude Code's log events (``claude_code.*``) as activity records; docs/otlp.md has the table.

Every event carries ``session.id`` and ``event.sequence`` (a counter per session), which make
its stable key: a retried export names the same facts with the same pair.
"""

from __future__ import annotations

import json
from typing import Any

from agent_activity.otlp.events import LogEvent, event_item, generic_item
from agent_activity.otlp.items import DROPPED, Outcome, Source, content, token_usage
from agent_activity.otlp.values import as_bool, as_float, as_int, as_text

AGENT = "claude_code"
FAILED_CONNECTIONS = ("failed", "error")
REJECTIONS = ("reject", "rejected", "deny", "denied", "abort")


def map_event(source: Source, event: LogEvent) -> Outcome:
    a = event.attributes
    session_id = as_text(a.get("session.id"))
    sequence = as_int(a.get("event.sequence"))
    key = f"otlp:cc:{session_id}:{sequence}" if session_id and sequence is not None else None
    kind = event.name.removeprefix("claude_code.")
    common: dict[str, Any] = {"agent": AGENT, "session_id": session_id, "external_id": key}
    prompt_id = {"prompt_id": as_text(a.get("prompt.id"))}
    if kind == "tool_result":
        success = as_bool(a.get("success"))
        return event_item(
            source,
            event,
            **common,
            join_keys=(str(a.get("tool_use_id") or ""),),
            action="tool_call",
            resource_type="tool",
            resource_id=tool_of(a),
            success=success is not False,
            duration_ms=as_float(a.get("duration_ms")),
            error_code=as_text(a.get("error_type"), 64) if success is False else None,
            metadata={
                **prompt_id,
                "tool_use_id": as_text(a.get("tool_use_id")),
                "tool_input": content(source, a.get("tool_input")),
                "error": content(source, a.get("error")),
            },
        )
    if kind == "tool_decision":
        if str(a.get("decision", "")).lower() not in REJECTIONS:
            return DROPPED  # an accepted tool shows as its tool_result
        return event_item(
            source,
            event,
            **common,
            join_keys=(str(a.get("tool_use_id") or ""),),
            action="tool_rejected",
            resource_type="tool",
            resource_id=tool_of(a),
            success=False,
            error_code="rejected",
            metadata={**prompt_id, "decision_source": as_text(a.get("source"))},
        )
    if kind in ("api_request", "api_error"):
        failed = kind == "api_error"
        status = as_text(a.get("status_code"), 64)
        model = as_text(a.get("model"))
        return event_item(
            source,
            event,
            **common,
            action="model_request",
            resource_type="model",
            resource_id=model,
            success=not failed,
            error_code=(status or "api_error") if failed else None,
            duration_ms=as_float(a.get("duration_ms")),
            token_usage=token_usage(
                a.get("input_tokens"),
                a.get("output_tokens"),
                a.get("cache_read_tokens"),
                a.get("cache_creation_tokens"),
                input_includes_cache=False,
            ),
            metadata={
                **prompt_id,
                "model": model,
                "cost_usd": as_float(a.get("cost_usd")),
                "attempt": as_int(a.get("attempt")),
                "error": content(source, a.get("error")),
            },
        )
    if kind == "user_prompt":
        return event_item(
            source,
            event,
            **common,
            action="prompt",
            resource_type="prompt",
            resource_id=as_text(a.get("prompt.id")),
            metadata={
                "prompt_length": as_int(a.get("prompt_length")),
                "prompt": content(source, a.get("prompt"), prompt=True),
            },
        )
    if kind == "mcp_server_connection":
        status = as_text(a.get("status"), 64)
        return event_item(
            source,
            event,
            **common,
            action="mcp_connection",
            resource_type="mcp_server",
            resource_id=as_text(a.get("server_name")),
            success=status not in FAILED_CONNECTIONS,
            error_code=status if status in FAILED_CONNECTIONS else None,
            duration_ms=as_float(a.get("duration_ms")),
            metadata={"status": status, "transport": as_text(a.get("transport_type"))},
        )
    return generic_item(source, event, common)


def tool_of(attributes: dict[str, Any]) -> str | None:
    """The tool's name; ``mcp:server/tool`` for an MCP tool, whose name Claude Code reports as
    ``mcp_tool`` with the server and tool inside ``tool_parameters``."""
    name = as_text(attributes.get("tool_name"))
    if name == "mcp_tool":
        try:
            parameters = json.loads(str(attributes.get("tool_parameters") or "{}"))
        except ValueError:
            parameters = {}
        if isinstance(parameters, dict) and parameters.get("mcp_tool_name"):
            server = parameters.get("mcp_server_name") or "?"
            return f"mcp:{server}/{parameters['mcp_tool_name']}"[:128]
    return name
