"""Codex CLI's log events (``codex.*``) as activity records; docs/otlp.md has the table.

What Codex sends differs from what its names suggest: the event name is only in the
``event.name`` attribute, ``timeUnixNano`` is 0, a shell command that fails still reports
``success: "true"`` (its exit code is only in ``output``), and a response's tokens come in the
second of two ``codex.sse_event`` records of kind ``response.completed``. Codex reports no cost.
Its events have no sequence number, so their key is the digest of the record as sent.
"""

from __future__ import annotations

import re
from typing import Any

from agent_activity.otlp.events import LogEvent, event_item, generic_item
from agent_activity.otlp.items import DROPPED, Outcome, Source, content, token_usage
from agent_activity.otlp.values import as_bool, as_float, as_int, as_text

AGENT = "codex"
EXIT_CODE = re.compile(r"(?:Process exited with code|Exit code:?)\s*(-?\d+)")
# Events that are noise in an activity log: stream chunks, start-up phases.
NOISE = ("codex.startup_phase",)
DENIALS = ("denied", "abort", "rejected")


def map_event(source: Source, event: LogEvent) -> Outcome:
    a = event.attributes
    session_id = as_text(a.get("conversation.id"))
    common: dict[str, Any] = {"agent": AGENT, "session_id": session_id}
    if event.name == "codex.tool_result":
        return tool_result(source, event, common)
    if event.name == "codex.tool_decision":
        if str(a.get("decision", "")).lower() not in DENIALS:
            return DROPPED  # an approved tool shows as its tool_result
        return event_item(
            source,
            event,
            **common,
            join_keys=(str(a.get("call_id") or ""),),
            action="tool_rejected",
            resource_type="tool",
            resource_id=as_text(a.get("tool_name")),
            success=False,
            error_code="rejected",
            metadata={"call_id": as_text(a.get("call_id"))},
        )
    if event.name == "codex.sse_event":
        return sse_event(source, event, common)
    if event.name == "codex.api_request":
        status = as_int(a.get("http.response.status_code"))
        return event_item(
            source,
            event,
            **common,
            action="model_api_call",
            resource_type="model",
            resource_id=as_text(a.get("model")),
            status_code=status,
            success=status is None or status < 400,
            error_code=f"HTTP_{status}" if status is not None and status >= 400 else None,
            duration_ms=as_float(a.get("duration_ms")),
            metadata={"endpoint": as_text(a.get("endpoint")), "attempt": as_int(a.get("attempt"))},
        )
    if event.name == "codex.conversation_starts":
        return event_item(
            source,
            event,
            **common,
            join_keys=(str(session_id or ""),),
            action="session_start",
            resource_type="agent_session",
            resource_id=session_id,
            metadata={
                "provider": as_text(a.get("provider_name")),
                "approval_policy": as_text(a.get("approval_policy")),
                "sandbox_policy": as_text(a.get("sandbox_policy")),
                "mcp_servers": as_text(a.get("mcp_servers"), 1000),
            },
        )
    if event.name == "codex.user_prompt":
        return event_item(
            source,
            event,
            **common,
            action="prompt",
            resource_type="prompt",
            metadata={
                "prompt_length": as_int(a.get("prompt_length")),
                "prompt": content(source, a.get("prompt"), prompt=True),
            },
        )
    if event.name in NOISE:
        return DROPPED
    return generic_item(source, event, common)


def tool_result(source: Source, event: LogEvent, common: dict[str, Any]) -> Outcome:
    a = event.attributes
    name = as_text(a.get("tool_name"))
    server = as_text(a.get("mcp_server"))
    output = a.get("output")
    exit_code = exit_code_of(output)
    ran = as_bool(a.get("success")) is not False
    failed = not ran or (exit_code is not None and exit_code != 0)
    error_code = None
    if not ran:
        error_code = "tool_error"
    elif failed:
        error_code = f"exit_code_{exit_code}"
    return event_item(
        source,
        event,
        **common,
        join_keys=(str(a.get("call_id") or ""),),
        action="tool_call",
        resource_type="tool",
        resource_id=f"mcp:{server}/{name}"[:128] if server else name,
        success=not failed,
        error_code=error_code,
        duration_ms=as_float(a.get("duration_ms")),
        metadata={
            "call_id": as_text(a.get("call_id")),
            "exit_code": exit_code,
            "arguments": content(source, a.get("arguments")),
            "output": content(source, output),
        },
    )


def sse_event(source: Source, event: LogEvent, common: dict[str, Any]) -> Outcome:
    """Only the ``response.completed`` copy that carries the counts is a record: one model
    request with its tokens. Every other stream event is dropped."""
    a = event.attributes
    if a.get("event.kind") != "response.completed" or a.get("input_token_count") is None:
        return DROPPED
    usage = token_usage(
        a.get("input_token_count"),
        a.get("output_token_count"),
        a.get("cached_token_count"),
        a.get("cache_write_token_count"),
        input_includes_cache=True,
    )
    return event_item(
        source,
        event,
        **common,
        action="model_request",
        resource_type="model",
        resource_id=as_text(a.get("model")),
        token_usage=usage,
        metadata={
            "model": as_text(a.get("model")),
            "reasoning_tokens": as_int(a.get("reasoning_token_count")),
        },
    )


def exit_code_of(output: Any) -> int | None:
    if not isinstance(output, str):
        return None
    found = EXIT_CODE.search(output)
    return int(found.group(1)) if found else None
