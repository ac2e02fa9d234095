"""Spans that follow the OpenTelemetry GenAI conventions, from any framework, as activity
records: ``chat`` (and the other inference operations) is a model request, ``execute_tool`` a
tool call, ``invoke_agent`` an agent invocation. Both the current attribute names and the older
ones are read. The conventions count cache reads inside ``gen_ai.usage.input_tokens``; they are
taken out of it, so no token is counted twice.

The spans of the agents whose logs are mapped (Claude Code, Codex, Gemini CLI) repeat what their
log events already say, and other spans are not GenAI work: both are dropped (counted). The key
is the span's trace and span id, which a retry keeps.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from agent_activity.otlp.items import (
    DROPPED,
    Batch,
    Item,
    Outcome,
    Source,
    base_record,
    content,
    token_usage,
    too_far_ahead,
)
from agent_activity.otlp.projects import ResourceScope
from agent_activity.otlp.values import Attributes, as_float, as_text, attributes_of, time_of

# service.name of agents whose spans duplicate their mapped log events.
LOGGED_AGENTS = ("claude-code", "gemini-cli")
LOGGED_PREFIXES = ("codex",)
INFERENCE = ("chat", "text_completion", "generate_content", "embeddings")
ACTIONS = {"execute_tool": "tool_call", "invoke_agent": "agent_invocation"}
ACTIONS["create_agent"] = "agent_invocation"
# (current name, older names...) for each value read.
NAMES: dict[str, tuple[str, ...]] = {
    "input": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens"),
    "output": (
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens",
        "llm.usage.completion_tokens",
    ),
    "cache_read": (
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_read_input_tokens",
        "gen_ai.usage.input_tokens.cached",
    ),
    "cache_creation": (
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.usage.cache_creation_input_tokens",
    ),
    "provider": ("gen_ai.provider.name", "gen_ai.system"),
    "model": ("gen_ai.response.model", "gen_ai.request.model"),
    "session": ("session.id", "gen_ai.conversation.id"),
}


def first(attributes: Attributes, what: str) -> Any:
    """The value of the first of ``what``'s names that is set (neither absent nor blank)."""
    for name in NAMES[what]:
        value = attributes.get(name)
        if value is not None and value != "":
            return value
    return None


async def map_traces(request: ExportTraceServiceRequest, scope: ResourceScope) -> Batch:
    batch = Batch()
    for resource_spans in request.resource_spans:
        resource = attributes_of(resource_spans.resource.attributes)
        source = await scope.source_for(resource)
        service = str(resource.get("service.name") or "")
        duplicate = service in LOGGED_AGENTS or service.startswith(LOGGED_PREFIXES)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                if isinstance(source, str):
                    batch.add(scope.refusal(source))
                elif duplicate:
                    batch.add(DROPPED)
                else:
                    batch.add(map_span(source, resource, span))
    return batch


def map_span(source: Source, resource: Attributes, span: Span) -> Outcome:
    a = attributes_of(span.attributes)
    operation = str(a.get("gen_ai.operation.name") or "")
    action = "model_request" if operation in INFERENCE else ACTIONS.get(operation)
    if action is None:
        return DROPPED
    # Each protobuf field is read once: every read of a bytes field makes a new object.
    start, end = span.start_time_unix_nano, span.end_time_unix_nano
    at = time_of(start) or source.received_at
    refusal = too_far_ahead(source, at)
    if refusal is not None:
        return refusal
    trace_id, span_id = span.trace_id.hex(), span.span_id.hex()
    session_id = as_text(first(a, "session"))
    record = base_record(
        source,
        agent=as_text(resource.get("service.name")) or "genai",
        event=operation,
        at=at,
        session_id=session_id,
        trace_id=trace_id,
        resource=resource,
        attributes=a,
    )
    status = span.status
    failed = status.code == Status.STATUS_CODE_ERROR
    duration = (end - start) / 1e6
    model = first(a, "model")
    record.update(
        action=action,
        success=not failed,
        error_code=(as_text(a.get("error.type"), 64) or "error") if failed else None,
        duration_ms=round(duration, 3) if duration >= 0 else None,
        **subject(action, a, model),
    )
    if action == "model_request":
        record["token_usage"] = token_usage(
            first(a, "input"),
            first(a, "output"),
            first(a, "cache_read"),
            first(a, "cache_creation"),
            input_includes_cache=True,
        )
    metadata = record["record_metadata"]
    metadata.update(span=span.name[:200], span_id=span_id)
    tool_call_id = a.get("gen_ai.tool.call.id")
    details = {
        "provider": as_text(first(a, "provider")),
        "model": as_text(model),
        "tool_call_id": as_text(tool_call_id),
        "agent_name": as_text(a.get("gen_ai.agent.name")),
        "cost_usd": as_float(a.get("gen_ai.usage.cost")),
        "tool_arguments": content(source, a.get("gen_ai.tool.call.arguments")),
        "error": content(source, status.message),
    }
    metadata.update({k: v for k, v in details.items() if v is not None})
    key = f"otlp:span:{trace_id}:{span_id}"
    joins = tuple(str(k) for k in (tool_call_id, session_id) if k)
    return Item(key, record, joins)


def subject(action: str, a: Attributes, model: Any) -> dict[str, str | None]:
    if action == "tool_call":
        return {"resource_type": "tool", "resource_id": as_text(a.get("gen_ai.tool.name"))}
    if action == "agent_invocation":
        name = a.get("gen_ai.agent.name") or a.get("gen_ai.agent.id")
        return {"resource_type": "agent", "resource_id": as_text(name)}
    return {"resource_type": "model", "resource_id": as_text(model)}
