"""OTLP export bodies shaped like what agents send, for the OTLP scenarios.

Logs are Claude Code 2.1.328's events (attribute names, string-typed numbers, the resource) as
in tests/otlp/fixtures/claude-code-2.1.328: model requests and tool results, each with its own
``session.id`` + ``event.sequence`` so every record is a new fact. Spans follow the GenAI
conventions (``chat`` with ``gen_ai.usage.*``, ``execute_tool``), from a framework's service:
Claude Code's and Codex's own spans repeat their log events and are not stored.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

CLAUDE_RESOURCE = {
    "host.arch": "amd64",
    "os.type": "linux",
    "os.version": "6.8.0",
    "service.name": "claude-code",
    "service.version": "2.1.328",
}
SPAN_SERVICE = "bench-agents"  # a GenAI framework's application, not a logged agent
MODELS = ("claude-opus-5-5", "claude-haiku-5-1")
TOOLS = ("Bash", "Read", "Write", "Edit", "Grep")
OTLP_LOGS = "/otlp/v1/logs"
OTLP_TRACES = "/otlp/v1/traces"


def pair(key: str, value: Any) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def claude_event(rng: random.Random, session: str, sequence: int) -> tuple[str, dict[str, Any]]:
    """One Claude Code event (its body and attributes): two model requests to one tool result,
    about the mix of the captured session."""
    common = {
        "user.id": "5f0c" * 16,
        "session.id": session,
        "terminal.type": "non-interactive",
        "prompt.id": f"{session[:8]}-prompt",
        "event.sequence": str(sequence),
    }
    if sequence % 3 == 2:
        failed = rng.random() < 0.1
        return "claude_code.tool_result", {
            **common,
            "event.name": "tool_result",
            "tool_name": rng.choice(TOOLS),
            "tool_use_id": f"toolu_{uuid.UUID(int=rng.getrandbits(128)).hex[:24]}",
            "success": "false" if failed else "true",
            "duration_ms": str(rng.randint(2, 900)),
            "tool_result_size_bytes": str(rng.randint(10, 9000)),
            **({"error_type": "ShellError", "error": "exit code 2"} if failed else {}),
        }
    tokens = rng.randint(200, 4000)
    return "claude_code.api_request", {
        **common,
        "event.name": "api_request",
        "model": rng.choice(MODELS),
        "input_tokens": str(tokens),
        "output_tokens": str(rng.randint(5, 400)),
        "cache_read_tokens": str(tokens * 2),
        "cache_creation_tokens": str(rng.randint(0, 300)),
        "cost_usd": str(round(tokens * 0.000005, 6)),
        "duration_ms": str(rng.randint(20, 3000)),
        "speed": "normal",
        "query_source": "repl_main_thread",
    }


def log_export(rng: random.Random, count: int, at: datetime) -> bytes:
    """An ExportLogsServiceRequest of ``count`` events of one new session."""
    request = ExportLogsServiceRequest()
    resource = request.resource_logs.add()
    resource.resource.attributes.extend(pair(k, v) for k, v in CLAUDE_RESOURCE.items())
    logs = resource.scope_logs.add()
    logs.scope.name = "com.anthropic.claude_code.events"
    logs.scope.version = CLAUDE_RESOURCE["service.version"]
    session = str(uuid.UUID(int=rng.getrandbits(128)))
    for sequence in range(count):
        body, attributes = claude_event(rng, session, sequence)
        stamp = at + timedelta(milliseconds=sequence)
        attributes["event.timestamp"] = stamp.isoformat().replace("+00:00", "Z")
        log = logs.log_records.add()
        log.time_unix_nano = int(stamp.timestamp() * 1e9)
        log.observed_time_unix_nano = log.time_unix_nano
        log.body.string_value = body
        log.attributes.extend(pair(k, v) for k, v in attributes.items())
    return request.SerializeToString()


def genai_span(rng: random.Random, index: int, conversation: str) -> tuple[str, dict[str, Any]]:
    """One GenAI span's name and attributes: a ``chat`` or, one in three, an ``execute_tool``."""
    common = {"gen_ai.provider.name": "anthropic", "gen_ai.conversation.id": conversation}
    if index % 3 == 2:
        tool = rng.choice(TOOLS)
        return f"execute_tool {tool}", {
            **common,
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": tool,
            "gen_ai.tool.call.id": f"call_{uuid.UUID(int=rng.getrandbits(128)).hex[:24]}",
            "gen_ai.tool.type": "function",
        }
    model = rng.choice(MODELS)
    tokens = rng.randint(200, 4000)
    return f"chat {model}", {
        **common,
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        "gen_ai.response.model": model,
        "gen_ai.usage.input_tokens": tokens * 3,
        "gen_ai.usage.output_tokens": rng.randint(5, 400),
        "gen_ai.usage.cache_read.input_tokens": tokens * 2,
        "gen_ai.response.finish_reasons": "end_turn",
    }


def span_export(rng: random.Random, count: int, at: datetime) -> bytes:
    """An ExportTraceServiceRequest of ``count`` GenAI spans of one new trace."""
    request = ExportTraceServiceRequest()
    resource = request.resource_spans.add()
    resource.resource.attributes.extend(
        [pair("service.name", SPAN_SERVICE), pair("service.version", "1.0.0")]
    )
    spans = resource.scope_spans.add()
    spans.scope.name = "bench.genai"
    trace_id = rng.randbytes(16)
    conversation = str(uuid.UUID(int=rng.getrandbits(128)))
    start = int(at.timestamp() * 1e9)
    for index in range(count):
        name, attributes = genai_span(rng, index, conversation)
        span = spans.spans.add()
        span.trace_id = trace_id
        span.span_id = rng.randbytes(8)
        span.name = name
        span.kind = span.SPAN_KIND_CLIENT
        span.start_time_unix_nano = start + index * 1_000_000
        span.end_time_unix_nano = span.start_time_unix_nano + rng.randint(1, 3000) * 1_000_000
        span.attributes.extend(pair(k, v) for k, v in attributes.items())
    return request.SerializeToString()


def exports(signal: str, count: int, batch: int, at: datetime, seed: int) -> Iterator[bytes]:
    """``count`` items of ``signal`` ("logs" or "traces") as exports of ``batch`` items."""
    rng = random.Random(seed)
    make = log_export if signal == "logs" else span_export
    for start in range(0, count, batch):
        yield make(rng, min(batch, count - start), at)
