"""Gemini CLI's log events (``gemini_cli.*``, its published names) as activity records.

Gemini counts cached content inside its prompt tokens, as the GenAI conventions do. Its events
carry no sequence number, so their key is the digest of the record as sent.
"""

from __future__ import annotations

from typing import Any

from agent_activity.otlp.events import LogEvent, event_item, generic_item
from agent_activity.otlp.items import Outcome, Source, content, token_usage
from agent_activity.otlp.values import as_bool, as_float, as_int, as_text

AGENT = "gemini_cli"


def map_event(source: Source, event: LogEvent) -> Outcome:
    a = event.attributes
    common: dict[str, Any] = {"agent": AGENT, "session_id": as_text(a.get("session.id"))}
    prompt_id = as_text(a.get("prompt_id"))
    if event.name == "gemini_cli.tool_call":
        success = as_bool(a.get("success")) is not False
        return event_item(
            source,
            event,
            **common,
            action="tool_call",
            resource_type="tool",
            resource_id=tool_of(a),
            success=success,
            error_code=None if success else (as_text(a.get("error_type"), 64) or "tool_error"),
            duration_ms=as_float(a.get("duration_ms")),
            metadata={
                "prompt_id": prompt_id,
                "decision": as_text(a.get("decision")),
                "arguments": content(source, a.get("function_args")),
                "error": content(source, a.get("error")),
            },
        )
    if event.name in ("gemini_cli.api_response", "gemini_cli.api_error"):
        failed = event.name == "gemini_cli.api_error"
        status = as_int(a.get("status_code"))
        return event_item(
            source,
            event,
            **common,
            action="model_request",
            resource_type="model",
            resource_id=as_text(a.get("model")),
            status_code=status,
            success=not failed,
            error_code=(as_text(a.get("error_type"), 64) or f"HTTP_{status}") if failed else None,
            duration_ms=as_float(a.get("duration_ms")),
            token_usage=token_usage(
                a.get("input_token_count"),
                a.get("output_token_count"),
                a.get("cached_content_token_count"),
                input_includes_cache=True,
            ),
            metadata={
                "prompt_id": prompt_id,
                "model": as_text(a.get("model")),
                "reasoning_tokens": as_int(a.get("thoughts_token_count")),
                "error": content(source, a.get("error")),
            },
        )
    if event.name == "gemini_cli.user_prompt":
        return event_item(
            source,
            event,
            **common,
            action="prompt",
            resource_type="prompt",
            resource_id=prompt_id,
            metadata={
                "prompt_length": as_int(a.get("prompt_length")),
                "prompt": content(source, a.get("prompt"), prompt=True),
            },
        )
    return generic_item(source, event, common)


def tool_of(attributes: dict[str, Any]) -> str | None:
    name = as_text(attributes.get("function_name"))
    server = as_text(attributes.get("mcp_server_name"))
    return f"mcp:{server}/{name}"[:128] if server and name else name
