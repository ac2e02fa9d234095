"""What one activity record or one work interval adds to its ticket's usage: plain functions
over rows, shared by the rollup writer and nothing else, so there is one rule for each counter.

- a **tool call** is a telemetry ``tool_call`` record or an MCP tool call (``transport`` mcp);
  it failed when the record says ``success`` false;
- a **model request** is a ``model_request`` record; its model is ``metadata.model``, else its
  ``resource_id``;
- **tokens** are the record's ``token_usage`` by kind (``input_tokens``, ``output_tokens``,
  ``cache_read_tokens``, ``cache_creation_tokens``; the short names ``input`` ... too);
- **cost** is ``metadata.cost_usd`` as the agent reported it, else the model's listed price
  (prices.py) of the record's tokens;
- **agent time** is the length of each interval, counted when it closes, spread over the hours
  it covers; an open interval's time is added by the reader, up to now.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from agent_activity.domain.tickets.prices import priced_cost

COUNTERS = (
    "agent_time_us",
    "intervals",
    "tool_calls",
    "failed_tool_calls",
    "model_requests",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "cost_usd",
)
TOKEN_KINDS = {
    "input_tokens": ("input_tokens", "input"),
    "output_tokens": ("output_tokens", "output"),
    "cache_read_tokens": ("cache_read_tokens", "cache_read"),
    "cache_creation_tokens": ("cache_creation_tokens", "cache_creation"),
}
DIMENSIONS = ("ticket", "agent", "user", "model")
Counts = list[float]
HOUR = timedelta(hours=1)


def zero() -> Counts:
    return [0] * len(COUNTERS)


def ticket_of(value: object) -> uuid.UUID | None:
    """A record's ``ticket_id`` as a ticket id; None for none or for one that is no UUID."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _integer(usage: Mapping[str, Any], names: tuple[str, ...]) -> int:
    for name in names:
        value = usage.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return 0


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def model_of(record: Mapping[str, Any]) -> str | None:
    metadata = record.get("record_metadata") or {}
    model = metadata.get("model") if isinstance(metadata, dict) else None
    if isinstance(model, str) and model:
        return model[:160]
    if record.get("resource_type") == "model" and record.get("resource_id"):
        return str(record["resource_id"])[:160]
    return None


def agent_of(record: Mapping[str, Any]) -> str | None:
    """The agent session a record belongs to: the MCP session telemetry was joined to, named as
    intervals name it (its id), else the telemetry session id."""
    return agent_key(joined_session(record), record.get("agent_session_id"))


def joined_session(record: Mapping[str, Any]) -> str | None:
    """The record's ``metadata.mcp_session_id`` as written, if it is text."""
    metadata = record.get("record_metadata") or {}
    joined = metadata.get("mcp_session_id") if isinstance(metadata, dict) else None
    return joined if isinstance(joined, str) else None


def agent_key(joined: str | None, telemetry: str | None) -> str | None:
    if joined is not None:
        try:
            return str(uuid.UUID(joined))
        except ValueError:
            pass
    return f"telemetry:{telemetry}" if telemetry else None


def is_tool_call(record: Mapping[str, Any]) -> bool:
    metadata = record.get("record_metadata") or {}
    return record.get("action") == "tool_call" or (
        isinstance(metadata, dict) and metadata.get("transport") == "mcp"
    )


def record_counts(record: Mapping[str, Any]) -> Counts:
    """What a (normalised) record adds to each of its ticket's rows."""
    counts = zero()
    if is_tool_call(record):
        counts[2] = 1
        counts[3] = 0 if record.get("success", True) else 1
    if record.get("action") == "model_request":
        counts[4] = 1
    usage = record.get("token_usage") or {}
    tokens = [_integer(usage, names) for names in TOKEN_KINDS.values()] if usage else [0] * 4
    counts[5:9] = tokens
    metadata = record.get("record_metadata") or {}
    reported = _number(metadata.get("cost_usd")) if isinstance(metadata, dict) else None
    counts[9] = reported if reported is not None else priced_cost(model_of(record), *tokens)
    return counts


def dimensions_of(
    agent: str | None, user: str | None, model: str | None
) -> Iterator[tuple[str, str]]:
    """The (dimension, key) rows of its ticket a record of this agent session, person and
    model counts towards."""
    yield "ticket", ""
    if agent:
        yield "agent", agent[:160]
    if user:
        yield "user", str(user)
    if model:
        yield "model", model


def interval_dimensions(agent_id: uuid.UUID, user_id: str | None) -> Iterator[tuple[str, str]]:
    yield "ticket", ""
    yield "agent", str(agent_id)
    if user_id:
        yield "user", user_id


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def microseconds(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def hours_covered(start: datetime, end: datetime) -> Iterator[tuple[datetime, int]]:
    """(hour, microseconds of [start, end) in that hour), for every hour the span touches."""
    hour = hour_of(start)
    while hour < end:
        piece = microseconds(min(end, hour + HOUR) - max(start, hour))
        if piece > 0:
            yield hour, piece
        hour += HOUR
